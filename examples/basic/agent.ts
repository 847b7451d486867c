/**
 * Example chat agent. With no API key it answers with a deterministic fake chat model (tokens are
 * streamed, so every stream mode has something to show); with OPENAI_API_KEY set it uses OpenAI.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

async function chatModel(): Promise<BaseChatModel> {
  if (process.env.OPENAI_API_KEY) {
    const moduleName = "@langchain/openai";
    const { ChatOpenAI } = await import(/* @vite-ignore */ moduleName);
    return new ChatOpenAI({ model: process.env.OPENAI_MODEL ?? "gpt-4o-mini" });
  }
  return new FakeListChatModel({
    responses: ["Hello! I am the Open LangGraph example agent, running on a fake model."],
    sleep: 5,
  });
}

const model = await chatModel();

async function respond(state: { messages: BaseMessage[] }) {
  const reply = await model.invoke(state.messages);
  return { messages: [new AIMessage({ content: reply.content, id: reply.id })] };
}

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", respond)
  .addEdge(START, "agent")
  .addEdge("agent", END)
  .compile();
