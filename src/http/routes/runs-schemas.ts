/** Wire schemas of the runs routes (the official `RunCreate` plus the options the SDK sends). */

import { z } from "zod";
import { invalidInput, unprocessable } from "../../core/errors.ts";
import { MAX_AFTER_SECONDS, MAX_PAGE_SIZE } from "../../core/limits.ts";
import type { RunRequest } from "../../runs/service.ts";
import { STREAM_MODES } from "../../stream/types.ts";
import { queryBool } from "../api.ts";

const record = z.record(z.string(), z.unknown());
const sendSchema = z.object({ node: z.string(), input: z.unknown().optional() });

const streamMode = z.enum(STREAM_MODES);

/** The body of every run-creating route. */
export const runCreateBody = z.object({
  assistant_id: z.string().min(1),
  checkpoint_id: z.string().nullish(),
  checkpoint: z
    .object({
      checkpoint_id: z.string().nullish(),
      checkpoint_ns: z.string().nullish(),
      checkpoint_map: record.nullish(),
    })
    .nullish(),
  input: z.unknown().optional(),
  command: z
    .object({
      goto: z
        .union([z.string(), sendSchema, z.array(z.union([z.string(), sendSchema]))])
        .optional(),
      update: z.union([record, z.array(z.tuple([z.string(), z.unknown()]))]).optional(),
      resume: z.unknown().optional(),
    })
    .nullish(),
  metadata: record.nullish(),
  context: z.unknown().optional(),
  config: z
    .looseObject({
      tags: z.array(z.string()).optional(),
      recursion_limit: z.number().int().optional(),
      configurable: record.optional(),
    })
    .nullish(),
  webhook: z.string().min(1).nullish(),
  interrupt_before: z.union([z.literal("*"), z.array(z.string())]).nullish(),
  interrupt_after: z.union([z.literal("*"), z.array(z.string())]).nullish(),
  on_disconnect: z.enum(["cancel", "continue"]).nullish(),
  multitask_strategy: z.enum(["reject", "rollback", "interrupt", "enqueue"]).nullish(),
  stream_mode: z.union([streamMode, z.array(streamMode)]).nullish(),
  stream_subgraphs: z.boolean().nullish(),
  stream_resumable: z.boolean().nullish(),
  after_seconds: z.number().min(0).max(MAX_AFTER_SECONDS).nullish(),
  if_not_exists: z.enum(["reject", "create"]).nullish(),
  on_completion: z.enum(["delete", "keep"]).nullish(),
  feedback_keys: z.union([z.string(), z.array(z.string())]).nullish(),
  langsmith_tracer: z
    .object({ project_name: z.string().optional(), example_id: z.string().optional() })
    .nullish(),
  durability: z.enum(["sync", "async", "exit"]).nullish(),
  checkpoint_during: z.boolean().nullish(),
  strict_resume: z.boolean().nullish(),
});

/** A parsed run body. */
export type RunCreateBody = z.output<typeof runCreateBody>;

/** Checks a webhook target: an absolute http(s) URL or an in-process path. */
function checkWebhook(url: string): void {
  if (url.startsWith("/")) return;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return;
  } catch {
    // fall through
  }
  throw invalidInput(`Invalid webhook URL: ${url}`);
}

/**
 * Maps the wire body to the domain request. `feedback_keys` is accepted and kept in the run's
 * kwargs (as Agent Server does; without LangSmith no feedback tokens are minted). An option this
 * server cannot honour is refused with a 422 rather than silently dropped: `langsmith_tracer`.
 */
export function toRunRequest(body: RunCreateBody): RunRequest {
  const feedback =
    body.feedback_keys == null
      ? []
      : Array.isArray(body.feedback_keys)
        ? body.feedback_keys
        : [body.feedback_keys];
  if (body.langsmith_tracer && Object.values(body.langsmith_tracer).some((v) => v != null))
    throw unprocessable(
      "langsmith_tracer is not supported: this server has no LangSmith integration",
    );
  if (body.webhook) checkWebhook(body.webhook);
  const durability =
    body.durability ??
    (body.checkpoint_during === false
      ? "exit"
      : body.checkpoint_during === true
        ? "async"
        : undefined);
  const streamModes =
    body.stream_mode == null
      ? undefined
      : Array.isArray(body.stream_mode)
        ? body.stream_mode
        : [body.stream_mode];
  const opt = <T>(v: T | null | undefined): T | undefined => (v == null ? undefined : v);
  return {
    assistantId: body.assistant_id,
    input: body.input,
    command: opt(body.command),
    config: opt(body.config) as RunRequest["config"],
    context: body.context,
    metadata: opt(body.metadata),
    checkpointId: opt(body.checkpoint_id),
    checkpoint: body.checkpoint
      ? Object.fromEntries(Object.entries(body.checkpoint).filter(([, v]) => v != null))
      : undefined,
    interruptBefore: opt(body.interrupt_before),
    interruptAfter: opt(body.interrupt_after),
    streamMode: streamModes,
    streamSubgraphs: opt(body.stream_subgraphs),
    streamResumable: opt(body.stream_resumable),
    afterSeconds: opt(body.after_seconds),
    ifNotExists: opt(body.if_not_exists),
    onCompletion: opt(body.on_completion),
    onDisconnect: opt(body.on_disconnect),
    multitaskStrategy: opt(body.multitask_strategy),
    webhook: opt(body.webhook),
    durability,
    ...(feedback.length > 0 ? { feedbackKeys: feedback } : {}),
    ...(body.strict_resume ? { strictResume: true } : {}),
  };
}

/** `?wait` as the SDK sends it ("0"/"1"): "0" and "false" really mean false (upstream bug fixed). */
export const cancelQuery = z.object({
  wait: queryBool.optional(),
  action: z.enum(["interrupt", "rollback"]).optional(),
  /** `taken`: the run's input was absorbed for steering (recorded as `cancel_reason`). */
  reason: z.enum(["taken"]).optional(),
});

/** A list in a query string: repeated keys, a JSON array (what the SDK sends) or comma-separated. */
export const queryList = z.union([z.string(), z.array(z.string())]).transform((v) =>
  [v].flat().flatMap((item) => {
    const text = item.trim();
    if (text.startsWith("[")) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (Array.isArray(parsed)) return parsed.map(String);
      } catch {
        // not JSON: fall through to comma splitting
      }
    }
    return text
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  }),
);

/**
 * `?namespace=` (repeated, or one JSON array): namespaces to stream, `""` being the root graph.
 * Not comma-split (a namespace holds `|` and `:`), and an empty value is kept.
 */
const namespaceList = z.union([z.string(), z.array(z.string())]).transform((v) =>
  [v].flat().flatMap((item) => {
    if (item.trim().startsWith("[")) {
      try {
        const parsed = JSON.parse(item) as unknown;
        if (Array.isArray(parsed)) return parsed.map(String);
      } catch {
        // a namespace that merely starts with "["
      }
    }
    return [item];
  }),
);

/** Query of the run-creating routes (streams filter namespaces). */
export const streamQuery = z.object({ namespace: namespaceList.optional() });

/** Query of the join-stream routes. */
export const joinStreamQuery = z.object({
  cancel_on_disconnect: queryBool.optional(),
  stream_mode: queryList.pipe(z.array(streamMode)).optional(),
  namespace: namespaceList.optional(),
  checkpoint_id: z.string().optional(),
});

/** Query of `GET /threads/:id/runs`. */
export const listQuery = z.object({
  limit: z.coerce.number().int().min(0).max(MAX_PAGE_SIZE).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  status: z.enum(["pending", "running", "error", "success", "timeout", "interrupted"]).optional(),
  metadata: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as Record<string, unknown>;
      } catch {
        ctx.addIssue({ code: "custom", message: "metadata must be JSON" });
        return z.NEVER;
      }
    })
    .optional(),
  select: queryList.optional(),
});

/** Body of `POST /runs/cancel`. */
export const bulkCancelBody = z
  .object({
    thread_id: z.guid().nullish(),
    run_ids: z.array(z.guid()).nullish(),
    status: z.enum(["pending", "running", "all"]).nullish(),
  })
  .refine((b) => b.status != null || (b.run_ids != null && b.run_ids.length > 0), {
    message: "Either run_ids or status must be given",
  });

/** Path params with uuids. */
export const uuidParam = z.guid();
