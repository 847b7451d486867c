/**
 * Suite 2, run throughput: stateless `POST /runs/wait` of the trivial graph and of the 5-node
 * fake-chat graph at concurrency 1, 10 and 100 (closed loop). First, alone, the first run after
 * start-up: on the embedded engines it starts the on-demand executor thread
 * (src/server/executor-supervisor.ts), so the loads after it measure the steady state.
 */
import { sleep } from "./lib/api.ts";
import { measureLoad } from "./lib/load.ts";
import type { Figure, Suite } from "./lib/suite.ts";

const GRAPHS = [
  { id: "trivial", label: "trivial graph", input: { value: 1 } },
  {
    id: "chat5",
    label: "5-node chat graph",
    input: { messages: [{ role: "user", content: "hi" }] },
  },
];
const CONCURRENCY = [1, 10, 100];

/** The run-throughput suite. */
export const runsSuite: Suite = {
  name: "runs",
  title: "Run throughput",
  async measure(target, ctx) {
    const t0 = performance.now();
    const first = await fetch(`${target.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: GRAPHS[0]!.id, input: GRAPHS[0]!.input }),
    });
    await first.text();
    const figures: Figure[] = [
      {
        key: "runs.first",
        group: "Run throughput: POST /runs/wait (1.5 s warm-up, 3 s window each)",
        label: "first run after start-up (trivial graph)",
        unit: "ms",
        better: "lower",
        value: first.ok ? Math.round(performance.now() - t0) : null,
        note: first.ok ? undefined : `first run: ${first.status}`,
      },
    ];
    for (const graph of GRAPHS) {
      for (const concurrency of CONCURRENCY) {
        figures.push(
          ...(await measureLoad(
            target.url,
            {
              key: `runs.${graph.id}.c${concurrency}`,
              group: "Run throughput: POST /runs/wait (1.5 s warm-up, 3 s window each)",
              label: `${graph.label}, c=${concurrency}`,
              concurrency,
              warmupMs: ctx.quick ? 1000 : 1500,
              durationMs: 3000,
              timeoutMs: 60_000,
              drainMs: 20_000,
              requests: [
                {
                  method: "POST",
                  path: "/runs/wait",
                  body: { assistant_id: graph.id, input: graph.input },
                },
              ],
            },
            ctx,
          )),
        );
        await sleep(500);
      }
    }
    return figures;
  },
};
