/**
 * The store (long-term memory, TTL sweeper, `/store` routes) and artifacts (blob service, sweeper,
 * `/threads/:thread_id/artifacts` routes: thread visibility is asked of the threads feature, which is
 * created later, so its routes come from `artifactRoutes`).
 */
import type { ArtifactsFeature } from "../../artifacts/setup.ts";
import { createArtifactsFeature } from "../../artifacts/setup.ts";
import type { ThreadVisible } from "../../http/authz.ts";
import { registerArtifactRoutes } from "../../http/routes/artifacts.ts";
import { registerStoreRoutes } from "../../http/routes/store.ts";
import { createStore, startStoreSweeper, ttlConfig } from "../../store/setup.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";

type Store = Awaited<ReturnType<typeof createStore>>;

/** `store`: the SQL store with its TTL sweeper and routes. */
export const storeModule: FeatureModule<Infrastructure, { store: Store }> = {
  name: "store",
  async create({ settings, storage, log, auth }) {
    const store = await createStore(storage.db, settings.file.store, settings.cwd, (msg, details) =>
      log.info(details, msg),
    );
    const stopSweeper = startStoreSweeper(store, ttlConfig(settings.file.store), (err) =>
      log.error({ err }, "store TTL sweep failed"),
    );
    return {
      store,
      routes: settings.file.http?.disable_store
        ? []
        : [(api) => registerStoreRoutes(api, store, auth.auth)],
      stop: stopSweeper,
    };
  },
};

/** `artifacts`: the service and its sweeper (routes: `artifactRoutesModule`). */
export const artifactsModule: FeatureModule<Infrastructure, { artifacts: ArtifactsFeature }> = {
  name: "artifacts",
  async create({ settings, storage, clock, log }) {
    const artifacts = await createArtifactsFeature({
      db: storage.db,
      settings: settings.artifacts,
      clock,
      onError: (err, what) => log.error({ err }, `artifacts ${what} failed`),
      onNotice: (message) => log.warn(message),
    });
    log.info({ backend: artifacts.service.backend }, "artifacts ready");
    return { artifacts, stop: () => artifacts.close() };
  },
};

/** The artifact routes, once thread visibility can be checked. */
export const artifactRoutesModule: FeatureModule<
  Infrastructure & { artifacts: ArtifactsFeature; threadVisible: ThreadVisible }
> = {
  name: "artifact-routes",
  create({ settings, auth, artifacts, threadVisible }) {
    if (settings.file.http?.disable_artifacts) return {};
    return {
      routes: [
        (api) =>
          registerArtifactRoutes(api, {
            artifacts: artifacts.service,
            auth: auth.auth,
            threadVisible,
          }),
      ],
    };
  },
};
