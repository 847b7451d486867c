/**
 * What a plugin's `create` receives: read-only settings, the logger, the Prometheus registry
 * (`/metrics` serves it), the storage handle, the route authorizer (`auth(c, resource, action,
 * value)` gives the caller's scope; plugin routes must call it) and the feature services. These are
 * the same objects the built-in features use; their types are exported from the package root.
 */
import type { Registry } from "prom-client";
import type { AssistantsService } from "../assistants/service.ts";
import type { Settings } from "../config/load.ts";
import type { CronsService } from "../crons/service.ts";
import type { RouteAuth } from "../http/authz.ts";
import type { Logger } from "../logging/logger.ts";
import type { RunsService } from "../runs/service.ts";
import type { StorageHandle } from "../storage/database.ts";
import type { ThreadsService } from "../threads/service.ts";
import type { ThreadStateService } from "../threads/state-service.ts";

/** The dependencies of a plugin feature. */
export interface PluginDeps {
  settings: Readonly<Settings>;
  logger: Logger;
  /** The Prometheus registry behind `/metrics`: add counters, gauges, histograms. */
  registry: Registry;
  storage: StorageHandle;
  /** Authorizes a request for a `resource:action` (custom auth handlers run; scope for storage). */
  auth: RouteAuth;
  services: {
    assistants: AssistantsService;
    threads: ThreadsService;
    state: ThreadStateService;
    runs: RunsService;
    crons: CronsService;
  };
}
