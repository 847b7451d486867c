/**
 * Runs: the service over the engine (create, join, cancel, wait), and, once threads exist, the run
 * routes (`runRoutesModule`: joining from a checkpoint reads thread state) and the webhook
 * dead-letter routes.
 */
import type { AssistantsService } from "../../assistants/service.ts";
import type { Scope } from "../../auth/scope.ts";
import { registerRunRoutes } from "../../http/routes/runs.ts";
import { registerWebhookRoutes } from "../../http/routes/webhooks.ts";
import { RunsService } from "../../runs/service.ts";
import { SYSTEM_ORG, withOrg } from "../../tenancy/context.ts";
import type { ThreadStateService } from "../../threads/state-service.ts";
import { webhookGuard } from "../../webhooks/guard.ts";
import { DeadLettersService } from "../../webhooks/service.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";
import type { RunEngine } from "./run-engine.ts";

/** `runs`: the service (routes: `runRoutesModule`). */
export const runsModule: FeatureModule<
  Infrastructure & { engine: RunEngine; assistants: AssistantsService },
  { runs: RunsService; checkWebhook: ReturnType<typeof webhookGuard> }
> = {
  name: "runs",
  create({ settings, log, runSignals, checkpointer, engine, assistants }) {
    const checkWebhook = webhookGuard(engine.webhooks);
    const runs = new RunsService({
      store: engine.runStore,
      queue: engine.queue,
      done: engine.done,
      log: engine.runLog,
      assistants,
      checkpointer,
      notify: (channel, payload) => runSignals.notify(channel, payload),
      logger: log,
      checkWebhook,
      limits: settings.inputLimits,
      acrossOrgs: (fn) => withOrg(SYSTEM_ORG, fn),
    });
    return { runs, checkWebhook };
  },
};

/** The run and dead-letter routes, and the `/info` flags of what runs serve. */
export const runRoutesModule: FeatureModule<
  Infrastructure & { engine: RunEngine; runs: RunsService; state: ThreadStateService }
> = {
  name: "run-routes",
  create({ settings, auth, engine, runs, state }) {
    const off = settings.file.http?.disable_runs === true;
    const flags = {
      webhooks: !settings.webhooks.disabled && !off,
      // Run streams and joins honour `?namespace=` (SDK `streamNamespaces`).
      stream_namespaces: !off,
      // Run creation (and protocol input.respond) honours `strict_resume` (SDK `strictResume`).
      strict_resume: !off,
    };
    if (off) return { flags };
    const checkpoint = async (threadId: string, checkpointId: string, scope?: Scope) => {
      const snapshot = await state.get(
        threadId,
        { checkpoint: { checkpoint_id: checkpointId } },
        scope,
      );
      const metadata = (snapshot.metadata ?? {}) as Record<string, unknown>;
      return snapshot.config ? { runId: metadata.run_id, values: snapshot.values } : null;
    };
    const deadLetters = new DeadLettersService(engine.deadLetters, engine.webhooks);
    return {
      flags,
      routes: [
        (api) => registerRunRoutes(api, { runs, auth: auth.auth, checkpoint }),
        (api) => registerWebhookRoutes(api, { deadLetters, auth: auth.auth }),
      ],
    };
  },
};
