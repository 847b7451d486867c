/**
 * Bench graph: five nodes, two of which call a fake chat model that streams its answer one
 * character ("token") at a time without delay. Deterministic, no network.
 */
import { AIMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

const ANSWER = "Benchmarks measure what the server adds, not what the model costs.";

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

const model = new FakeListChatModel({ responses: [ANSWER] });

const step = (name: string) => () => ({ steps: [name] });
const think = (name: string) => async (state: typeof State.State) => {
  const reply = await model.invoke(state.messages);
  return { messages: [new AIMessage({ content: reply.content, id: reply.id })], steps: [name] };
};

/** The 5-node chat graph. */
export const graph = new StateGraph(State)
  .addNode("intake", step("intake"))
  .addNode("plan", think("plan"))
  .addNode("retrieve", step("retrieve"))
  .addNode("answer", think("answer"))
  .addNode("finish", step("finish"))
  .addEdge(START, "intake")
  .addEdge("intake", "plan")
  .addEdge("plan", "retrieve")
  .addEdge("retrieve", "answer")
  .addEdge("answer", "finish")
  .addEdge("finish", END)
  .compile();
