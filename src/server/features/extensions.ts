/**
 * What the project adds to the server: graph `endpoints` from the config, generative UI bundles
 * (`ui`), and the features of plugins (`plugins`, docs/plugins.md). The user's own Hono app
 * (`http.app`) is mounted by `buildServer`, before the built-in routes.
 */
import { loadEndpoints, registerEndpointRoutes } from "../../http/endpoints.ts";
import { registerUiRoutes } from "../../http/routes/ui.ts";
import { buildUiBundles } from "../../ui/bundles.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";
import type { PluginDeps } from "../plugin-deps.ts";
import type { PluginSet } from "../plugins.ts";

/** `endpoints`: routes graphs declare in the config. */
export const endpointsModule: FeatureModule<Infrastructure> = {
  name: "endpoints",
  async create({ settings }) {
    const endpoints = await loadEndpoints(settings.graphs);
    return endpoints.length > 0
      ? { routes: [(api) => registerEndpointRoutes(api, endpoints)] }
      : {};
  },
};

/** `ui`: generative UI bundles, rebuilt only when their inputs change. */
export const uiModule: FeatureModule<Infrastructure> = {
  name: "ui",
  async create({ settings, log }) {
    const defs = settings.file.ui;
    // A worker serves no UI bundles (the api does).
    if (!defs || settings.file.http?.disable_ui || settings.role === "worker") return {};
    const shared = settings.file.ui_config?.shared;
    const bundles = await buildUiBundles({ defs, cwd: settings.cwd, shared });
    log.info(
      { agents: bundles.agents(), reused: bundles.reused, cacheDir: bundles.cacheDir },
      "UI bundles built",
    );
    return { routes: [(api) => registerUiRoutes(api, bundles)] };
  },
};

/** Creates each plugin's feature (in config order) with the services built so far. */
export async function createPluginFeatures(
  plugins: PluginSet,
  deps: PluginDeps,
  add: (module: FeatureModule<PluginDeps>, deps: PluginDeps) => Promise<unknown>,
): Promise<void> {
  for (const { plugin, options } of plugins.loaded) {
    const create = plugin.create;
    if (!create) continue;
    await add({ name: `plugin:${plugin.name}`, create: (d) => create(d, options) }, deps);
  }
}
