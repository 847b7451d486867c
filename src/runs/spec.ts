/**
 * What the store is asked to insert for a new run (`InsertRunSpec`): the run id (the caller's or a
 * new one), the thread (a new one for a stateless run, `temporary` when its `on_completion` is
 * `delete`, the default), whether the thread may be created (`if_not_exists: "create"`), the
 * metadata of a new thread (`graph_id`, `assistant_id`, then the request's), the delay, and the
 * builder of the run row once the thread is known, whose merged config metadata is checked
 * against the input limits (an `InputLimitError` when over).
 */
import type { Assistant } from "../assistants/types.ts";
import type { Scope } from "../auth/scope.ts";
import { newId } from "../core/ids.ts";
import { checkRunMetadata, type InputLimits } from "../core/limits.ts";
import { buildRun, type RunAuth, type RunRequest } from "./build.ts";
import type { InsertRunSpec } from "./ports.ts";

/** The outcome of `threads:create_run` for one run. */
export interface AuthorizedRun {
  runId: string;
  scope: Scope;
  metadata?: Record<string, unknown>;
}

/** Caller context of a run creation. */
export interface CreateContext {
  headers: Record<string, string>;
  userId?: string;
  /** The run id, when the caller chose it (auth handlers see it in `threads:create_run`). */
  runId?: string;
  /** Auth scope an existing thread must match (`threads:create_run` filter); else it is 404. */
  scope?: Scope;
  /** The authenticated caller, stamped into `configurable` as the official server does. */
  auth?: RunAuth;
  /**
   * The caller's `assistants:read` scope for the run's assistant (stored id): an assistant outside
   * it is 404 and nothing of it reaches the run. Absent: no auth.
   */
  assistantScope?: (assistantId: string) => Promise<Scope>;
  /**
   * Authorizes the run before anything is written (`threads:create_run`): the run id, the scope
   * the thread must match and the metadata as the handler left it. Every transport sets it
   * (HTTP routes, protocol commands), so no path creates a run without the event.
   */
  authorize?: (threadId: string | null, req: RunRequest) => Promise<AuthorizedRun>;
}

/** The insert spec of a run on `threadId` (null = stateless). */
export function insertSpec(
  threadId: string | null,
  req: RunRequest,
  ctx: CreateContext,
  assistant: Assistant,
  limits: InputLimits | undefined,
): InsertRunSpec {
  const runId = ctx.runId ?? newId();
  const stateless = threadId == null;
  const tid = threadId ?? newId();
  const temporary = stateless && (req.onCompletion ?? "delete") === "delete";
  return {
    runId,
    threadId: tid,
    assistantId: assistant.assistantId,
    multitaskStrategy: req.multitaskStrategy ?? "reject",
    createThread: stateless || req.ifNotExists === "create",
    freshThread: stateless,
    newThreadMetadata: {
      graph_id: assistant.graphId,
      assistant_id: assistant.assistantId,
      ...(req.metadata ?? {}),
    },
    afterSeconds: Math.max(0, req.afterSeconds ?? 0),
    scope: ctx.scope,
    build: (thread) => {
      const built = buildRun(
        {
          runId,
          request: req,
          assistant,
          headers: ctx.headers,
          temporary,
          userId: ctx.auth?.user.identity ?? ctx.userId,
          auth: ctx.auth,
        },
        thread,
      );
      checkRunMetadata(built.kwargs.config, limits);
      return built;
    },
  };
}
