/**
 * Threads: storage, services and TTL sweeper (`threads/setup.ts`), the thread and thread-state
 * routes, and `threadVisible` (whether a thread exists within an auth scope) for the routes that
 * reach a thread through another feature (protocol, artifacts).
 */

import type { ArtifactsFeature } from "../../artifacts/setup.ts";
import type { AssistantsService } from "../../assistants/service.ts";
import type { ThreadVisible } from "../../http/authz.ts";
import { registerThreadRoutes } from "../../http/routes/threads.ts";
import { registerThreadStateRoutes } from "../../http/routes/threads-state.ts";
import type { RunsService } from "../../runs/service.ts";
import { createThreadsFeature, type ThreadsFeature } from "../../threads/setup.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";
import type { RunEngine } from "./run-engine.ts";

/** `threads`: services, sweeper, routes. */
export const threadsModule: FeatureModule<
  Infrastructure & {
    engine: RunEngine;
    assistants: AssistantsService;
    runs: RunsService;
    artifacts: ArtifactsFeature;
  },
  ThreadsFeature & { threadVisible: ThreadVisible }
> = {
  name: "threads",
  create(deps) {
    const { settings, storage, caching, checkpointer, graphs, clock, log, auth, runs } = deps;
    const feature = createThreadsFeature({
      wrapStorage: caching.threads,
      db: storage.db,
      checkpointer,
      graphs,
      clock,
      ttl: settings.file.checkpointer?.ttl,
      resolveGraphId: async (assistantId) => (await deps.assistants.resolve(assistantId)).graphId,
      onSweepError: (err) => log.error({ err }, "thread TTL sweep failed"),
      onSwept: (count) => log.info({ count }, "expired threads swept"),
      // Deleted threads also take their artifacts (the sweeper removes them at once).
      onRunsDeleted: async () => {
        void deps.artifacts.sweeper.kick();
        await deps.engine.queue.announceDeleted();
      },
      onThreadTrimmed: async (threadId) => {
        await runs.cancelMany({ threadId, status: "all" }, "interrupt");
        // The trim keeps the newest checkpoint: let the stopped runs end first (bounded).
        await runs.settleThread(threadId, 10_000);
      },
    });
    const threadVisible: ThreadVisible = async (threadId, scope) =>
      (await feature.threads.find(threadId, scope)) != null;
    return {
      ...feature,
      threadVisible,
      routes: settings.file.http?.disable_threads
        ? []
        : [
            (api) => registerThreadRoutes(api, { threads: feature.threads, auth: auth.auth }),
            (api) => registerThreadStateRoutes(api, { state: feature.state, auth: auth.auth }),
          ],
      stop: async () => feature.sweeper.stop(),
    };
  },
};
