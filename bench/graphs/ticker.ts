/**
 * Bench graph for many concurrent streams: one node writes a `custom` event `{seq, ts}` every
 * `interval_ms` for `ticks` ticks (bounded to two minutes), stopping early when cancelled.
 */
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  START,
  StateGraph,
} from "@langchain/langgraph";

const MAX_MS = 120_000;

const State = Annotation.Root({
  ticks: Annotation<number>(),
  interval_ms: Annotation<number>(),
  sent: Annotation<number>(),
});

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

async function tick(state: typeof State.State, config: LangGraphRunnableConfig) {
  const interval = Math.max(10, state.interval_ms ?? 1000);
  const ticks = Math.min(state.ticks ?? 10, Math.floor(MAX_MS / interval));
  let sent = 0;
  for (let seq = 0; seq < ticks && !config.signal?.aborted; seq++) {
    config.writer?.({ seq, ts: Date.now() });
    sent++;
    await sleep(interval, config.signal);
  }
  return { sent };
}

/** The ticker graph. */
export const graph = new StateGraph(State)
  .addNode("tick", tick)
  .addEdge(START, "tick")
  .addEdge("tick", END)
  .compile();
