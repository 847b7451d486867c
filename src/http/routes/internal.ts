/**
 * `POST /internal/truncate`: test-only reset, mounted only when the server runs in test mode. With
 * an auth module configured it is for admins only (`mayTruncate`): any authenticated user must not
 * be able to wipe everyone's data.
 */
import type { Context } from "hono";
import { z } from "zod";
import { forbidden } from "../../core/errors.ts";
import type { TruncateRequest } from "../../storage/truncate.ts";
import type { Api } from "../api.ts";

/** Registers the route; `truncate` does the work. */
export function registerInternalRoutes(
  api: Api,
  truncate: (what: TruncateRequest) => Promise<void>,
  mayTruncate: (c: Context) => boolean = () => true,
): void {
  api.route(
    {
      method: "post",
      path: "/internal/truncate",
      summary: "Delete data (test mode only)",
      tags: ["Internal"],
      body: z.object({
        runs: z.boolean().optional(),
        threads: z.boolean().optional(),
        assistants: z.boolean().optional(),
        checkpointer: z.boolean().optional(),
        checkpoint: z.boolean().optional(),
        store: z.boolean().optional(),
      }),
    },
    async (c, { body }) => {
      if (!mayTruncate(c))
        throw forbidden("Forbidden: /internal/truncate needs the admin permission");
      await truncate({
        runs: !!body.runs,
        threads: !!body.threads,
        assistants: !!body.assistants,
        checkpointer: !!(body.checkpointer || body.checkpoint),
        store: !!body.store,
      });
      return c.json({ ok: true });
    },
  );
}
