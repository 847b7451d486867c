/**
 * Example human-in-the-loop graph: `draft` writes a reply (fake model unless OPENAI_API_KEY is set),
 * `review` pauses on an interrupt asking for approval, then a conditional edge goes to `publish`
 * when the answer is `{ "approved": true }` (or the string "yes"), back to `draft` otherwise.
 * Resume it with `Command({ resume: { approved: true } })` (SDK: `command: { resume: … }`).
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import {
  Annotation,
  END,
  interrupt,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  approved: Annotation<boolean>(),
});

const model = new FakeListChatModel({
  responses: ["Here is a draft answer, waiting for a reviewer."],
  sleep: 5,
});

async function draft(state: { messages: BaseMessage[] }) {
  const reply = await model.invoke(state.messages);
  return { messages: [new AIMessage({ content: reply.content })], approved: false };
}

function review(state: { messages: BaseMessage[] }) {
  const last = state.messages.at(-1);
  const answer = interrupt({ question: "Publish this draft?", draft: last?.content ?? "" });
  const approved =
    answer === "yes" || (typeof answer === "object" && answer !== null && answer.approved === true);
  return { approved };
}

function publish() {
  return { messages: [new AIMessage({ content: "Published." })] };
}

export const graph = new StateGraph(State)
  .addNode("draft", draft)
  .addNode("review", review)
  .addNode("publish", publish)
  .addEdge(START, "draft")
  .addEdge("draft", "review")
  .addConditionalEdges("review", (s) => (s.approved ? "publish" : "draft"), ["publish", "draft"])
  .addEdge("publish", END)
  .compile();
