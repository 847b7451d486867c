/**
 * A chat agent: one node that answers the conversation with the chat model.
 * Try it: `olg dev`, then open the Studio link, or `olg test`.
 */
import { SystemMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { chatModel, textOf } from "./model.js";

const SYSTEM = "You are a helpful, concise assistant.";

const model = await chatModel((messages) => `You said: ${textOf(messages.at(-1))}`);

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state) => ({
    messages: [await model.invoke([new SystemMessage(SYSTEM), ...state.messages])],
  }))
  .addEdge(START, "agent")
  .addEdge("agent", END)
  .compile();
