/** A one-node graph that echoes its input: the plugin example needs a graph to serve. */
import { Annotation, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ message: Annotation<string> });

export const graph = new StateGraph(State)
  .addNode("echo", (state) => ({ message: `echo: ${state.message ?? ""}` }))
  .addEdge("__start__", "echo")
  .compile();
