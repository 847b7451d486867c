/**
 * The shape every feature of the server has, built-in or plugin: `create(deps)` builds its services
 * once at boot and returns what the composition root mounts and runs. Nothing listens here; route
 * groups are registered on the app after every feature is created (in creation order), `start`
 * runs in creation order once the app is built. Shutdown has two phases, each in reverse creation
 * order: `drain` (stop taking work, let in-flight runs end; connections stay open so streams see
 * them end), then `stop` (release resources).
 * Shape from issue 15 §3 (`{ create(deps) -> { routes?, start?, stop? } }`).
 */
import type { Server } from "node:http";
import type { RouteGroup } from "../http/app.ts";

export type { RouteGroup };

/** `/info` flags (true only for what this deployment serves). */
export type InfoFlags = Record<string, boolean>;

/** What a created feature gives the composition root; every part optional. */
export interface Feature {
  /** Built-in route groups (authenticated unless a route is declared `public`). */
  routes?: RouteGroup[];
  /** Route groups mounted before the user's `http.app` (test-only routes). */
  earlyRoutes?: RouteGroup[];
  /** Flags this feature adds to `/info`. */
  flags?: InfoFlags;
  /** Starts background work once the app is built (run workers, schedulers). */
  start?(): Promise<void>;
  /** Called once the HTTP server listens (WebSocket upgrades). */
  listening?(server: Server): void;
  /** First shutdown phase: stop taking work and let in-flight work end. */
  drain?(): Promise<void>;
  /** Second shutdown phase: release resources. */
  stop?(): Promise<void>;
}

/** A feature module: a name (for logs and errors) and its factory. */
export interface FeatureModule<D, S extends object = object> {
  readonly name: string;
  create(deps: D): (Feature & S) | Promise<Feature & S>;
}

/** Collects created features in order: their routes, flags, start and stop hooks. */
export class FeatureSet {
  private readonly features: { name: string; feature: Feature }[] = [];

  /** Creates `module` from `deps` and keeps it; returns its services. */
  async add<D, S extends object>(module: FeatureModule<D, S>, deps: D): Promise<Feature & S> {
    const feature = await module.create(deps);
    this.features.push({ name: module.name, feature });
    return feature;
  }

  /** Keeps an already created feature (stop hooks of the infrastructure). */
  keep(name: string, feature: Feature): void {
    this.features.push({ name, feature });
  }

  get routes(): RouteGroup[] {
    return this.features.flatMap((f) => f.feature.routes ?? []);
  }

  get earlyRoutes(): RouteGroup[] {
    return this.features.flatMap((f) => f.feature.earlyRoutes ?? []);
  }

  /** The union of every feature's `/info` flags. */
  get flags(): InfoFlags {
    return Object.assign({}, ...this.features.map((f) => f.feature.flags ?? {}));
  }

  async start(): Promise<void> {
    for (const { feature } of this.features) await feature.start?.();
  }

  listening(server: Server): void {
    for (const { feature } of this.features) feature.listening?.(server);
  }

  /** Drains, then stops, every feature in reverse order; a failure is reported and the rest go on. */
  async stop(onError: (error: unknown, name: string) => void): Promise<void> {
    const reversed = [...this.features].reverse();
    for (const phase of ["drain", "stop"] as const)
      for (const { name, feature } of reversed) {
        try {
          await feature[phase]?.();
        } catch (error) {
          onError(error, name);
        }
      }
  }
}
