/**
 * A memory agent: facts the user asks it to remember are saved in the server's long-term store
 * (per `user_id` in the run's configurable, else "default"), so every thread of that user sees them.
 * The model answers with the remembered facts in its system prompt.
 */
import { AIMessage, SystemMessage } from "@langchain/core/messages";
import {
  END,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { chatModel, textOf } from "./model.js";

const REMEMBER = /^\s*remember(?: that)?\s+(.+)$/i;

function namespace(config: LangGraphRunnableConfig): string[] {
  return ["memories", String(config.configurable?.user_id ?? "default")];
}

/** The fake model's script: read back the facts from the system prompt. */
const model = await chatModel((messages) => {
  const facts = textOf(messages[0]).split("\n").slice(1).join("; ");
  const text = textOf(messages.at(-1));
  if (REMEMBER.test(text)) return "Noted, I will remember that.";
  return facts ? `Here is what I remember: ${facts}` : "I don't remember anything about you yet.";
});

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("remember", async (state, config: LangGraphRunnableConfig) => {
    const fact = REMEMBER.exec(textOf(state.messages.at(-1)))?.[1];
    if (fact && config.store)
      await config.store.put(namespace(config), crypto.randomUUID(), { fact });
    return {};
  })
  .addNode("agent", async (state, config: LangGraphRunnableConfig) => {
    const items = config.store ? await config.store.search(namespace(config), { limit: 50 }) : [];
    const facts = items.map((item) => `- ${String(item.value.fact)}`);
    const system = ["Facts you remember about the user:", ...facts].join("\n");
    const reply = await model.invoke([new SystemMessage(system), ...state.messages]);
    return { messages: [new AIMessage({ content: reply.content, id: reply.id })] };
  })
  .addEdge(START, "remember")
  .addEdge("remember", "agent")
  .addEdge("agent", END)
  .compile();
