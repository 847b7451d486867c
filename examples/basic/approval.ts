/**
 * Example human-in-the-loop graph: `draft` writes a reply (fake model unless OPENAI_API_KEY is set),
 * `review` pauses on an interrupt asking for approval, then a conditional edge goes to `publish`
 * when the answer is `{ "approved": true }` (or the string "yes"), back to `draft` otherwise.
 * Resume it with `Command({ resume: { approved: true } })` (SDK: `command: { resume: … }`). Its
 * context (`reviewer`, `max_drafts`) is a zod schema, so assistants of this graph are validated.
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
import { z } from "zod";

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  approved: Annotation<boolean>(),
});

/** Per-assistant settings (the context schema the admin UI validates assistants against). */
const ReviewContext = z.object({
  reviewer: z
    .string()
    .min(1)
    .default("editor")
    .describe("Who approves the drafts")
    .meta({ x_oap_ui_config: { type: "text", placeholder: "editor" } }),
  max_drafts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe("Drafts before giving up")
    .meta({ x_oap_ui_config: { type: "number", min: 1, max: 10 } }),
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

export const graph = new StateGraph(State, { context: ReviewContext })
  .addNode("draft", draft)
  .addNode("review", review)
  .addNode("publish", publish)
  .addEdge(START, "draft")
  .addEdge("draft", "review")
  .addConditionalEdges("review", (s) => (s.approved ? "publish" : "draft"), ["publish", "draft"])
  .addEdge("publish", END)
  .compile();
