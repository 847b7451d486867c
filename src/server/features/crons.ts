/**
 * Crons: the service (a cron fires a run through the runs service), the scheduler (only where runs
 * execute: started after the run workers, drained before them) and the routes.
 */
import type { AssistantsService } from "../../assistants/service.ts";
import { CronsRepository } from "../../crons/repository.ts";
import { CronScheduler } from "../../crons/scheduler.ts";
import { CronsService } from "../../crons/service.ts";
import { registerCronRoutes } from "../../http/routes/crons.ts";
import { runCreateBody, toRunRequest } from "../../http/routes/runs-schemas.ts";
import type { RunsService } from "../../runs/service.ts";
import { currentOrg } from "../../tenancy/context.ts";
import { TenancyRepository } from "../../tenancy/repository.ts";
import { admitRuns, type RunCounters } from "../../tenancy/run-quotas.ts";
import type { webhookGuard } from "../../webhooks/guard.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";
import type { RunEngine } from "./run-engine.ts";

/** `crons`: service, scheduler, routes. */
export const cronsModule: FeatureModule<
  Infrastructure & {
    engine: RunEngine;
    runs: RunsService;
    assistants: AssistantsService;
    checkWebhook: ReturnType<typeof webhookGuard>;
    /** Tenancy's run counters (shared with the HTTP run quotas). */
    runCounters?: RunCounters;
  },
  { crons: CronsService }
> = {
  name: "crons",
  create(deps) {
    const { settings, storage, clock, log, auth, engine, runs, assistants, checkWebhook } = deps;
    const { tenancy, runCounters } = deps;
    const orgs = tenancy && runCounters ? new TenancyRepository(storage.db) : undefined;
    const crons = new CronsService({
      repo: new CronsRepository(storage.db),
      runs,
      assistants,
      toRunRequest: (payload) => toRunRequest(runCreateBody.parse(payload)),
      checkWebhook,
      notify: (channel, payload) => storage.notify(channel, payload),
      clock,
      logger: log,
      inCronOrg: tenancy
        ? (cronId, fn) => tenancy.inOrgOf(storage.db, "crons", cronId, fn)
        : undefined,
      // A tick counts against its org's run quotas (not a key's: crons outlive the key that made them).
      admitTick:
        orgs && runCounters
          ? async () => {
              const orgId = currentOrg();
              const quotas = (await orgs.getOrg(orgId))?.quotas ?? {};
              const subject = {
                orgId,
                actor: { kind: "cron" as const, id: orgId },
                quotas: { org: quotas, key: {} },
              };
              return admitRuns(subject, 1, { counters: runCounters, db: storage.db });
            }
          : undefined,
    });
    const scheduler = new CronScheduler({ crons, listen: storage.listen, logger: log });
    const off = settings.file.http?.disable_runs === true;
    return {
      crons,
      flags: { crons: !off },
      routes: off ? [] : [(api) => registerCronRoutes(api, { crons, auth: auth.auth })],
      start: async () => {
        if (engine.executesRuns) await scheduler.start();
      },
      drain: async () => {
        if (engine.executesRuns) await scheduler.stop();
      },
    };
  },
};
