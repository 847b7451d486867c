/**
 * `GET /ready`: readiness (database reachable, migrations applied, Redis when configured, not
 * draining). 200 `{"ok":true,…}` or 503 `{"ok":false,…}` with each check's state. Liveness stays
 * on `/ok`, which answers as long as the process serves HTTP.
 */
import type { Readiness } from "../../metrics/readiness.ts";
import type { Api } from "../api.ts";

/** Registers the readiness probe; `details` adds fields to the body (e.g. the Redis connection state). */
export function registerHealthRoutes(
  api: Api,
  readiness: Readiness,
  details?: () => Record<string, unknown>,
): void {
  api.route(
    { method: "get", path: "/ready", summary: "Readiness probe", tags: ["System"], public: true },
    async (c) => {
      const report = await readiness.report();
      return c.json(
        { ok: report.ready, draining: report.draining, checks: report.checks, ...details?.() },
        report.ready ? 200 : 503,
      );
    },
  );
}
