/**
 * `POST /runs/search`: runs across threads, newest first — an **extension** (LangGraph Platform
 * lists runs per thread only, `GET /threads/:thread_id/runs`); the admin UI's runs table uses it.
 * Body: `{ limit?: 1–1000 (default 10), offset?: ≥0, status?: run status, metadata?: object (the
 * run's metadata contains it), assistant_id?: uuid }` → `Run[]` as the per-thread list returns them.
 * Scoped like the per-thread list: the auth handler's `threads:search` filter applies to each run's
 * thread, so a caller sees only runs of threads it may see (tenancy on: its organization's, by RLS).
 * Bad input is a 400 (the validation body every route answers) and reads nothing.
 */
import { z } from "zod";
import type { RunsService } from "../../runs/service.ts";
import type { Api } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { runToWire } from "../mappers/runs.ts";
import { jsonExtra } from "../mappers/threads.ts";
import { uuidParam } from "./runs-schemas.ts";

const searchBody = z
  .object({
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).optional(),
    status: z.enum(["pending", "running", "error", "success", "timeout", "interrupted"]).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    assistant_id: uuidParam.optional(),
  })
  .strict();

/** Registers `POST /runs/search`. */
export function registerRunSearchRoute(api: Api, runs: RunsService, authz: RouteAuth): void {
  api.route(
    {
      method: "post",
      path: "/runs/search",
      summary: "Search runs across threads (extension)",
      tags: ["Thread Runs"],
      body: searchBody,
    },
    async (c, { body }) => {
      const { scope } = await authz(c, "threads", "search", {
        metadata: body.metadata,
        status: body.status,
      });
      const list = await runs.search(
        {
          limit: body.limit ?? 10,
          offset: body.offset ?? 0,
          status: body.status,
          metadata: body.metadata,
          assistantId: body.assistant_id,
        },
        scope,
      );
      return jsonExtra(
        c,
        list.map((r) => runToWire(r)),
      );
    },
  );
}
