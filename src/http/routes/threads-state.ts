/** Thread state routes: state (latest / at a checkpoint), state updates, history. */
import { z } from "zod";
import { MAX_PAGE_SIZE } from "../../core/limits.ts";
import { applyStateSelect, parseStateSelect } from "../../threads/state-select.ts";
import type { ThreadStateService } from "../../threads/state-service.ts";
import { type Api, queryBool } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { jsonExtra, stateToWire } from "../mappers/threads.ts";
import { queryList } from "./runs-schemas.ts";

/** What the state routes are built from. */
export interface ThreadStateRoutesOptions {
  state: ThreadStateService;
  /** Authorization (`threads:read` for reads, `threads:update` for state updates). */
  auth: RouteAuth;
}

const record = z.record(z.string(), z.unknown());

const checkpointSchema = z.object({
  checkpoint_id: z.guid().nullish(),
  checkpoint_ns: z.string().nullish(),
  checkpoint_map: record.nullish(),
});

const updateBody = z.object({
  values: z.union([record, z.array(record)]).nullish(),
  as_node: z.string().nullish(),
  checkpoint_id: z.string().nullish(),
  checkpoint: checkpointSchema.nullish(),
});

const historyBody = z.object({
  limit: z.number().int().gte(1).lte(MAX_PAGE_SIZE).nullish(),
  // A checkpoint id (JS SDK docs), a config `{configurable}` (JS SDK type) or a checkpoint (Python).
  before: z
    .union([z.string(), z.object({ configurable: checkpointSchema }), checkpointSchema])
    .transform((v) => (typeof v === "object" && "configurable" in v ? v.configurable : v))
    .nullish(),
  metadata: record.nullish(),
  checkpoint: checkpointSchema.nullish(),
  select: z.array(z.string()).nullish(),
});

const checkpointParams = z.object({ thread_id: z.guid(), checkpoint_id: z.guid() });
const subgraphsQuery = z.object({
  subgraphs: queryBool.optional(),
  select: queryList.optional(),
});
const tags = ["Thread State"];
const undef = <T>(v: T | null | undefined): T | undefined => v ?? undefined;

/** Registers the state routes. */
export function registerThreadStateRoutes(api: Api, options: ThreadStateRoutesOptions): void {
  const { state } = options;
  const authz = options.auth;
  const readScope = async (c: Parameters<RouteAuth>[0], threadId: string) =>
    (await authz(c, "threads", "read", { thread_id: threadId })).scope;

  api.route(
    {
      method: "get",
      path: "/threads/:thread_id/state",
      summary: "Get thread state",
      tags,
      query: subgraphsQuery,
    },
    async (c, { params, query }) => {
      const select = parseStateSelect(query.select);
      const snapshot = await state.get(
        params.thread_id,
        { subgraphs: query.subgraphs, channels: select?.channels },
        await readScope(c, params.thread_id),
      );
      return jsonExtra(c, applyStateSelect(stateToWire(snapshot), select));
    },
  );

  api.route(
    {
      method: "post",
      path: "/threads/:thread_id/state",
      summary: "Update thread state",
      tags,
      body: updateBody,
    },
    async (c, { params, body }) => {
      const update = {
        values: body.values,
        asNode: undef(body.as_node),
        checkpointId: undef(body.checkpoint_id),
        checkpoint: body.checkpoint,
      };
      const { scope } = await authz(c, "threads", "update", { thread_id: params.thread_id });
      return jsonExtra(c, await state.update(params.thread_id, update, scope));
    },
  );

  api.route(
    {
      method: "post",
      path: "/threads/:thread_id/state/checkpoint",
      summary: "Get thread state at a checkpoint",
      tags,
      body: z.object({
        checkpoint: checkpointSchema.nullish(),
        subgraphs: queryBool.nullish(),
        select: z.array(z.string()).nullish(),
      }),
    },
    async (c, { params, body }) => {
      const select = parseStateSelect(body.select);
      const query = {
        checkpoint: body.checkpoint,
        subgraphs: !!body.subgraphs,
        channels: select?.channels,
      };
      const snapshot = await state.get(
        params.thread_id,
        query,
        await readScope(c, params.thread_id),
      );
      return jsonExtra(c, applyStateSelect(stateToWire(snapshot), select));
    },
  );

  api.route(
    {
      method: "get",
      path: "/threads/:thread_id/state/:checkpoint_id",
      summary: "Get thread state at a checkpoint id",
      tags,
      params: checkpointParams,
      query: subgraphsQuery,
    },
    async (c, { params, query }) => {
      const { thread_id, checkpoint_id } = params;
      const select = parseStateSelect(query.select);
      const q = {
        checkpoint: { checkpoint_id },
        subgraphs: query.subgraphs,
        channels: select?.channels,
      };
      const snapshot = await state.get(thread_id, q, await readScope(c, thread_id));
      return jsonExtra(c, applyStateSelect(stateToWire(snapshot), select));
    },
  );

  api.route(
    {
      method: "get",
      path: "/threads/:thread_id/history",
      summary: "Get thread history",
      tags,
      query: z.object({
        limit: z.coerce.number().int().gte(1).lte(MAX_PAGE_SIZE).default(10),
        before: z.string().optional(),
        select: queryList.optional(),
      }),
    },
    async (c, { params, query }) => {
      const select = parseStateSelect(query.select);
      const q = { limit: query.limit, before: query.before, channels: select?.channels };
      const states = await state.history(params.thread_id, q, await readScope(c, params.thread_id));
      return jsonExtra(
        c,
        states.map((s) => applyStateSelect(stateToWire(s), select)),
      );
    },
  );

  api.route(
    {
      method: "post",
      path: "/threads/:thread_id/history",
      summary: "Search thread history",
      tags,
      body: historyBody,
    },
    async (c, { params, body }) => {
      const select = parseStateSelect(body.select);
      const q = {
        limit: body.limit ?? 10,
        before: undef(body.before),
        metadata: undef(body.metadata),
        checkpoint: undef(body.checkpoint),
        channels: select?.channels,
      };
      const states = await state.history(params.thread_id, q, await readScope(c, params.thread_id));
      return jsonExtra(
        c,
        states.map((s) => applyStateSelect(stateToWire(s), select)),
      );
    },
  );
}
