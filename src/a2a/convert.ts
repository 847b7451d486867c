/**
 * LangGraph ⇄ A2A content: inbound parts become graph input (text and file parts a human message
 * on `messages`, data parts merged into the input, as on LangGraph Platform); graph messages and
 * interrupt values become A2A messages and parts.
 */
import type { A2AMessage, Part } from "./wire.ts";

type LcMessage = { type?: string; role?: string; content?: unknown; id?: string };

/** The graph input for an inbound A2A message. */
export function inputOf(message: A2AMessage): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [];
  const data: Record<string, unknown> = {};
  for (const part of message.parts) {
    if ("text" in part) blocks.push({ type: "text", text: part.text });
    else if ("data" in part) Object.assign(data, part.data);
    else
      blocks.push({
        type: "file",
        source_type: "url",
        url: part.url,
        ...(part.mediaType ? { mime_type: part.mediaType } : {}),
      });
  }
  if (blocks.length === 0) return data;
  const onlyText = blocks.every((b) => b.type === "text");
  const content = onlyText ? blocks.map((b) => b.text).join("\n") : blocks;
  const role = message.role === "user" ? "human" : "ai";
  return { ...data, messages: [{ role, content }] };
}

/** The text of a LangChain message's content (string or content blocks). */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((b) => (typeof b === "string" ? b : (b as { text?: unknown })?.text))
      .filter((t): t is string => typeof t === "string")
      .join("");
  return content == null ? "" : JSON.stringify(content);
}

const isHuman = (m: LcMessage) => m.type === "human" || m.role === "user" || m.role === "human";
const isAi = (m: LcMessage) => m.type === "ai" || m.role === "assistant" || m.role === "ai";

/** The graph's `messages` as A2A history. */
export function historyOf(values: unknown, taskId: string, contextId: string): A2AMessage[] {
  const messages = (values as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return [];
  return messages.map((raw, i) => {
    const m = (raw ?? {}) as LcMessage;
    return {
      role: isHuman(m) ? "user" : "agent",
      parts: [{ text: textOf(m.content) }],
      messageId: m.id ?? `${taskId}-${i}`,
      taskId,
      contextId,
    };
  });
}

/** The answer of a finished run: the last AI message's text, else the values as JSON. */
export function answerOf(values: unknown): Part[] {
  const messages = (values as { messages?: unknown } | null)?.messages;
  if (Array.isArray(messages)) {
    const last = [...messages].reverse().find((m) => isAi((m ?? {}) as LcMessage)) as
      | LcMessage
      | undefined;
    if (last) return [{ text: textOf(last.content) }];
  }
  return values && typeof values === "object" && !Array.isArray(values)
    ? [{ data: values as Record<string, unknown> }]
    : [{ text: JSON.stringify(values ?? null) }];
}

/** An interrupt's value as parts: text for strings, text (JSON) plus data for objects. */
export function interruptParts(value: unknown): Part[] {
  if (typeof value === "string") return [{ text: value }];
  if (value && typeof value === "object" && !Array.isArray(value))
    return [{ text: JSON.stringify(value) }, { data: value as Record<string, unknown> }];
  return [{ text: JSON.stringify(value ?? null) }];
}

/** The resume value an A2A reply carries: its text, or its data when it has only data. */
export function resumeOf(message: A2AMessage): unknown {
  const texts = message.parts.filter((p): p is { text: string } => "text" in p).map((p) => p.text);
  if (texts.length > 0) return texts.join("\n");
  const data = message.parts.find((p): p is { data: Record<string, unknown> } => "data" in p);
  return data?.data ?? null;
}

/**
 * A graph's schemas may take long to compute the first time (static TypeScript analysis); A2A
 * only uses them to check for `messages` and to describe the card, so it waits at most `ms`.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch(() => null),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
