// @ts-check
/**
 * An Open LangGraph plugin (docs/plugins.md): adds `GET /hello` (authenticated and authorized like
 * any built-in route: the caller needs `assistants:search`), counts its calls in the Prometheus
 * counter `olg_plugin_hello_requests_total` on `/metrics`, and logs when the server starts and
 * stops it. Options (from the config entry): `greeting` (default "hello").
 *
 * Plain JavaScript so it loads from node_modules without a build step; types come from the
 * server package (`import type` in JSDoc).
 */
import { Counter } from "prom-client";

/** @type {import("open-langgraph").OlgPlugin} */
const plugin = {
  name: "hello",
  create(deps, options) {
    const greeting = typeof options.greeting === "string" ? options.greeting : "hello";
    const requests = new Counter({
      name: "olg_plugin_hello_requests_total",
      help: "Calls of GET /hello (example plugin)",
      registers: [deps.registry],
    });
    return {
      flags: { hello_plugin: true },
      routes: [
        (api) =>
          api.route(
            { method: "get", path: "/hello", summary: "Greeting from a plugin", tags: ["Plugins"] },
            async (c) => {
              // Authorization as the built-in routes do it: custom auth handlers run here.
              await deps.auth(c, "assistants", "search", {});
              requests.inc();
              const graphs = deps.settings.graphs.map((g) => g.graphId);
              return c.json({ greeting, graphs });
            },
          ),
      ],
      async start() {
        deps.logger.info({ plugin: "hello" }, "hello plugin started");
      },
      async stop() {
        deps.logger.info({ plugin: "hello" }, "hello plugin stopped");
      },
    };
  },
};

export default plugin;
