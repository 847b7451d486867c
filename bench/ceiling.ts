/**
 * Suite 5, a ceiling for context: a bare `node:http` handler and a bare Hono handler on
 * `@hono/node-server` (our stack), then `GET /ok` on every target, all at the same concurrency.
 */
import path from "node:path";
import { measureLoad } from "./lib/load.ts";
import type { Figure, Suite } from "./lib/suite.ts";
import { freePort, launch, ROOT } from "./lib/targets.ts";

const CONCURRENCY = 32;
const GROUP = `Ceiling: GET /ok (concurrency ${CONCURRENCY}, 4 s each)`;
const REQUEST = [{ method: "GET" as const, path: "/ok" }];

/** The ceiling suite. */
export const ceilingSuite: Suite = {
  name: "ceiling",
  title: "Ceiling",
  async standalone(ctx) {
    const figures: Figure[] = [];
    for (const mode of ["node", "hono"]) {
      const port = await freePort();
      const server = await launch(
        `ceiling-${mode}`,
        mode,
        ["--import", "tsx", path.join(ROOT, "bench/ceiling-server.ts"), mode, String(port)],
        { ...process.env },
        `http://127.0.0.1:${port}`,
        async () => {},
      );
      try {
        const label =
          mode === "node" ? "bare node:http handler" : "bare Hono handler (@hono/node-server)";
        const measured = await measureLoad(
          server.url,
          {
            key: `ceiling.${mode}`,
            group: GROUP,
            label,
            concurrency: CONCURRENCY,
            durationMs: 4000,
            requests: REQUEST,
          },
          ctx,
        );
        figures.push(...measured);
      } finally {
        await server.stop();
      }
    }
    return figures;
  },
  async measure(target, ctx) {
    return measureLoad(
      target.url,
      {
        key: "ceiling.ok",
        group: GROUP,
        label: "GET /ok on the server",
        concurrency: CONCURRENCY,
        durationMs: 4000,
        requests: REQUEST,
      },
      ctx,
    );
  },
};
