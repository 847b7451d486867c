/**
 * What the store is asked to insert for a new run (`InsertRunSpec`): the run id (the caller's or a
 * new one), the thread (a new one for a stateless run, `temporary` when its `on_completion` is
 * `delete`, the default), whether the thread may be created (`if_not_exists: "create"`), the
 * metadata of a new thread (`graph_id`, `assistant_id`, then the request's), the delay, and the
 * builder of the run row once the thread is known, whose merged config metadata is checked
 * against the input limits (an `InputLimitError` when over).
 */
import type { Assistant } from "../assistants/types.ts";
import { newId } from "../core/ids.ts";
import { checkRunMetadata, type InputLimits } from "../core/limits.ts";
import { buildRun, type RunRequest } from "./build.ts";
import type { InsertRunSpec } from "./ports.ts";
import type { CreateContext } from "./service.ts";

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
