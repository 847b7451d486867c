/** Adapts the runs service to the ports of the protocol service and the thread join stream. */
import type { RunsService } from "../runs/service.ts";
import type { ProtocolRuns } from "./service.ts";
import type { ThreadJoinRuns } from "./thread-join.ts";

/** The runs engine seen through the protocol's ports. */
export function protocolRuns(runs: RunsService): ProtocolRuns & ThreadJoinRuns {
  return {
    create: (threadId, req, ctx) => runs.create(threadId, req, ctx),
    find: (runId) => runs.find(runId),
    events: (runId, options) => runs.events(runId, options),
    hasEvents: (runId) => runs.hasEvents(runId),
    latest: async (threadId) =>
      (await runs.list(threadId, { limit: 1, offset: 0 }).catch(() => []))[0] ?? null,
    settle: (threadId) => runs.settleThread(threadId),
    list: async (threadId) => (await runs.list(threadId, { limit: 10_000, offset: 0 })).reverse(),
  };
}
