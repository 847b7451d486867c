/** Bench graph: one node that increments a counter (measures the server, not the graph). */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ value: Annotation<number>() });

/** The trivial graph. */
export const graph = new StateGraph(State)
  .addNode("bump", (state) => ({ value: (state.value ?? 0) + 1 }))
  .addEdge(START, "bump")
  .addEdge("bump", END)
  .compile();
