/** Cron routes (Python platform contract): create (thread / stateless), get, search, count, patch, delete. */
import { z } from "zod";
import type { CronsService } from "../../crons/service.ts";
import { CRON_SORT_FIELDS, type CronPatch } from "../../crons/types.ts";
import type { Api } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { CRON_SELECT_FIELDS, cronToWire } from "../mappers/crons.ts";
import { jsonExtra } from "../mappers/threads.ts";
import { runCreateBody, toRunRequest, uuidParam } from "./runs-schemas.ts";

/** What the cron routes are built from. */
export interface CronRoutesOptions {
  crons: CronsService;
  /** Authorization of `crons:<action>` events (scoped by cron metadata); all allowed when absent. */
  auth: RouteAuth;
}

const record = z.record(z.string(), z.unknown());
const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "Invalid ISO 8601 datetime" });

/** The run options a cron stores as its payload. */
const runFields = runCreateBody.pick({
  input: true,
  metadata: true,
  config: true,
  context: true,
  webhook: true,
  interrupt_before: true,
  interrupt_after: true,
  multitask_strategy: true,
  stream_mode: true,
  stream_subgraphs: true,
  stream_resumable: true,
  durability: true,
  checkpoint_during: true,
});
const RUN_KEYS = Object.keys(runFields.shape) as (keyof typeof runFields.shape)[];

const cronFields = {
  timezone: z.string().min(1).nullish(),
  enabled: z.boolean().nullish(),
  on_run_completed: z.enum(["delete", "keep"]).nullish(),
};

const createBody = runFields.extend({
  assistant_id: z.string().min(1),
  schedule: z.string().min(1),
  end_time: isoDate.nullish(),
  ...cronFields,
});

const patchBody = runFields.extend({
  schedule: z.string().min(1).nullish(),
  end_time: isoDate.nullish(),
  ...cronFields,
});

const filterFields = {
  // An assistant id or a graph id (its system assistant), as everywhere an assistant is named.
  assistant_id: z.string().min(1).nullish(),
  thread_id: z.guid().nullish(),
  enabled: z.boolean().nullish(),
  metadata: record.nullish(),
};

const searchBody = z.object({
  ...filterFields,
  limit: z.number().int().min(1).max(1000).nullish(),
  offset: z.number().int().min(0).nullish(),
  sort_by: z.enum(CRON_SORT_FIELDS).nullish(),
  sort_order: z.enum(["asc", "desc"]).nullish(),
  select: z.array(z.enum(CRON_SELECT_FIELDS)).nullish(),
});

const countBody = z.object(filterFields);

const opt = <T>(v: T | null | undefined): T | undefined => (v == null ? undefined : v);

/** The run options of a body (what `payload` holds); `keepNull` keeps nulls (PATCH removals). */
function payloadOf(body: Record<string, unknown>, keepNull: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of RUN_KEYS) {
    const value = body[key];
    if (value !== undefined && (keepNull || value !== null)) out[key] = value;
  }
  return out;
}

const filterOf = (b: z.output<typeof countBody>) => ({
  assistantId: opt(b.assistant_id),
  threadId: opt(b.thread_id),
  enabled: opt(b.enabled),
  metadata: opt(b.metadata),
});

/** Registers the cron routes. */
export function registerCronRoutes(api: Api, { crons, auth }: CronRoutesOptions): void {
  const authz = auth;
  const create = async (
    c: Parameters<RouteAuth>[0],
    threadId: string | null,
    body: z.output<typeof createBody>,
  ) => {
    const payload = payloadOf(body, false);
    toRunRequest({ ...payload, assistant_id: body.assistant_id }); // same checks as a run
    const caller = c.get("auth");
    const { value } = await authz(c, "crons", "create", {
      payload,
      schedule: body.schedule,
      cron_id: undefined,
      thread_id: threadId ?? undefined,
      user_id: caller?.user.identity,
      end_time: body.end_time ?? undefined,
      metadata: opt(body.metadata) as Record<string, unknown> | undefined,
    });
    // The cron's thread must be one the caller may read.
    const threadScope = threadId
      ? (await authz(c, "threads", "read", { thread_id: threadId })).scope
      : undefined;
    return crons.create(
      {
        assistantId: body.assistant_id,
        threadId,
        schedule: body.schedule,
        timezone: opt(body.timezone),
        endTime: body.end_time ? new Date(body.end_time) : undefined,
        enabled: opt(body.enabled),
        onRunCompleted: opt(body.on_run_completed),
        payload: value.payload,
        metadata: value.metadata,
        userId: caller?.user.identity,
        auth: caller ? { user: caller.user, permissions: caller.permissions } : undefined,
      },
      threadScope,
      // The cron's runs use its assistant: the caller must be able to read it.
      async (assistantId) =>
        (await authz(c, "assistants", "read", { assistant_id: assistantId })).scope,
    );
  };

  api.route(
    {
      method: "post",
      path: "/runs/crons",
      summary: "Create a stateless cron",
      tags: ["Crons"],
      body: createBody,
    },
    async (c, { body }) => jsonExtra(c, cronToWire(await create(c, null, body))),
  );

  api.route(
    {
      method: "post",
      path: "/threads/:thread_id/runs/crons",
      summary: "Create a cron on a thread",
      tags: ["Crons"],
      body: createBody,
    },
    async (c, { body, params }) =>
      jsonExtra(c, cronToWire(await create(c, uuidParam.parse(params.thread_id), body))),
  );

  api.route(
    {
      method: "post",
      path: "/runs/crons/search",
      summary: "Search crons",
      tags: ["Crons"],
      body: searchBody,
    },
    async (c, { body }) => {
      const limit = body.limit ?? 10;
      const offset = body.offset ?? 0;
      const { scope } = await authz(c, "crons", "search", {
        assistant_id: opt(body.assistant_id),
        thread_id: opt(body.thread_id),
        limit,
        offset,
      });
      const found = await crons.search(
        {
          ...filterOf(body),
          limit,
          offset,
          sortBy: body.sort_by ?? "created_at",
          sortOrder: body.sort_order ?? "desc",
        },
        scope,
      );
      return jsonExtra(
        c,
        found.map((cron) => cronToWire(cron, body.select)),
      );
    },
  );

  api.route(
    {
      method: "post",
      path: "/runs/crons/count",
      summary: "Count crons",
      tags: ["Crons"],
      body: countBody,
    },
    async (c, { body }) => {
      const { scope } = await authz(c, "crons", "search", {
        assistant_id: opt(body.assistant_id),
        thread_id: opt(body.thread_id),
        limit: 0,
        offset: 0,
      });
      return c.json(await crons.count(filterOf(body), scope));
    },
  );

  api.route(
    {
      method: "patch",
      path: "/runs/crons/:cron_id",
      summary: "Update a cron",
      tags: ["Crons"],
      body: patchBody,
    },
    async (c, { body, params }) => {
      const patch: CronPatch = {
        schedule: opt(body.schedule),
        timezone: opt(body.timezone),
        endTime:
          body.end_time === undefined
            ? undefined
            : body.end_time === null
              ? null
              : new Date(body.end_time),
        enabled: opt(body.enabled),
        onRunCompleted: opt(body.on_run_completed),
        payload: payloadOf(body, true),
        metadata: opt(body.metadata),
      };
      const cronId = uuidParam.parse(params.cron_id);
      const { scope, value } = await authz(c, "crons", "update", {
        cron_id: cronId,
        payload: patch.payload,
        schedule: patch.schedule,
        end_time: body.end_time ?? undefined,
        metadata: patch.metadata,
      });
      // A PATCH replaces metadata: take the handler's version only when the client sent some
      // (an owner stamped on a bare PATCH would otherwise wipe the cron's other keys).
      const changes = { ...patch, metadata: patch.metadata ? value.metadata : undefined };
      return jsonExtra(c, cronToWire(await crons.update(cronId, changes, scope)));
    },
  );

  api.route(
    { method: "get", path: "/runs/crons/:cron_id", summary: "Get a cron", tags: ["Crons"] },
    async (c, { params }) => {
      const cronId = uuidParam.parse(params.cron_id);
      const { scope } = await authz(c, "crons", "read", { cron_id: cronId });
      return jsonExtra(c, cronToWire(await crons.get(cronId, scope)));
    },
  );

  api.route(
    { method: "delete", path: "/runs/crons/:cron_id", summary: "Delete a cron", tags: ["Crons"] },
    async (c, { params }) => {
      const cronId = uuidParam.parse(params.cron_id);
      const { scope } = await authz(c, "crons", "delete", { cron_id: cronId });
      await crons.delete(cronId, scope);
      return c.body(null, 204);
    },
  );
}
