/**
 * The models this project's graphs use. With `OLG_MODEL=fake` (what `olg test` sets) or no provider
 * key, every graph runs on a deterministic scripted model and keyword embeddings: no key, no
 * network, the same answer every time. With OPENAI_API_KEY set it uses OpenAI (`OPENAI_MODEL`,
 * default gpt-4o-mini; `OPENAI_EMBEDDINGS_MODEL`, default text-embedding-3-small).
 */
import { Embeddings } from "@langchain/core/embeddings";
import {
  BaseChatModel,
  type BaseChatModelParams,
} from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/** What the fake model answers, given the conversation so far. */
export type Script = (messages: BaseMessage[]) => AIMessage | string;

/** Whether graphs run on the real provider (a key is set and `OLG_MODEL` is not `fake`). */
export function useRealModel(): boolean {
  return process.env.OLG_MODEL !== "fake" && !!process.env.OPENAI_API_KEY;
}

/** The text of a message (string content, or its text parts joined). */
export function textOf(message: BaseMessage | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => ("text" in part ? String(part.text) : "")).join("");
}

/** A deterministic chat model that answers with `script` (tools it is bound to are ignored). */
export class ScriptedChatModel extends BaseChatModel {
  constructor(
    private readonly script: Script,
    fields: BaseChatModelParams = {},
  ) {
    super(fields);
  }

  _llmType(): string {
    return "scripted-fake";
  }

  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const out = this.script(messages);
    const message = typeof out === "string" ? new AIMessage(out) : out;
    return { generations: [{ text: textOf(message), message }] };
  }
}

/** The chat model: OpenAI when configured, else the scripted fake. */
export async function chatModel(script: Script): Promise<BaseChatModel> {
  if (useRealModel()) {
    // Loaded only when a key is set, so tests and `olg dev` without a key never touch it.
    const provider = "@langchain/openai";
    const { ChatOpenAI } = await import(provider);
    return new ChatOpenAI({ model: process.env.OPENAI_MODEL ?? "gpt-4o-mini" });
  }
  return new ScriptedChatModel(script);
}

/** Deterministic embeddings: each word hashed into one of `size` dimensions, then normalised. */
export class KeywordEmbeddings extends Embeddings {
  constructor(private readonly size = 256) {
    super({});
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.vector(text));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }

  private vector(text: string): number[] {
    const v = new Array<number>(this.size).fill(0);
    for (const word of text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []) {
      let h = 2166136261;
      for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
      v[Math.abs(h) % this.size]! += 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }
}

/** Embeddings dimension of {@link embeddings} (for vector stores that need it up front). */
export function embeddingsSize(): number {
  return useRealModel() ? 1536 : 256;
}

/** The embeddings: OpenAI when configured, else {@link KeywordEmbeddings}. */
export async function embeddings(): Promise<Embeddings> {
  if (useRealModel()) {
    const provider = "@langchain/openai";
    const { OpenAIEmbeddings } = await import(provider);
    return new OpenAIEmbeddings({
      model: process.env.OPENAI_EMBEDDINGS_MODEL ?? "text-embedding-3-small",
    });
  }
  return new KeywordEmbeddings(embeddingsSize());
}
