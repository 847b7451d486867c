/**
 * The opt-out of the executor thread (`OLG_EMBEDDED_EXECUTOR=main`): graphs run on the HTTP thread,
 * so a busy step holds `/ok` for its whole duration. It shows the probe of stall.executor.test.ts
 * measures what it claims (a file of its own, so that the timing project's two forks share the work).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backendWanted,
  postgresAvailable,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { listeningLine, postJson as post, probeDuring } from "../support/stall.ts";

const pgUp = backendWanted("postgres") && (await postgresAvailable());
const sqliteOn = backendWanted("sqlite", "postgres,mariadb,sqlite");
if (!pgUp) console.warn("[skip] PostgreSQL unreachable: executor opt-out stall test without it");

const optOut = [
  ...(pgUp ? [{ backend: "postgres" as const }] : []),
  ...(sqliteOn ? [{ backend: "sqlite" as const }] : []),
];

describe.each(optOut)(
  "role all on $backend with OLG_EMBEDDED_EXECUTOR=main (opt-out)",
  ({ backend }) => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startServer({ backend, env: { OLG_EMBEDDED_EXECUTOR: "main" } });
    }, 180_000);

    afterAll(async () => {
      await server?.stop().catch(() => {});
    });

    it("keeps graphs on the HTTP thread: a busy step holds /ok for its whole duration", async () => {
      expect(listeningLine(server)).toContain('"executor":"main"');
      const m = await probeDuring(server.url, () =>
        post(server.url, "/runs/wait", {
          assistant_id: "runs_steps",
          input: { delay_ms: 1, busy_ms: 1500 },
        }),
      );
      console.info(`opt-out busy graph: /ok max ${m.max.toFixed(0)} ms over ${m.n}`);
      expect(m.max).toBeGreaterThanOrEqual(1000);
    }, 120_000);
  },
);
