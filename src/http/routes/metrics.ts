/** `GET /metrics`: the Prometheus text exposition of the registry (`?format=json` for JSON). */
import type { Registry } from "prom-client";
import { z } from "zod";
import type { Api } from "../api.ts";

/**
 * Registers the scrape endpoint over what `scrape` gives (the registry, plus the run executor
 * thread's metrics on the embedded default); `isPublic` exempts it from authentication.
 */
export function registerMetricsRoute(
  api: Api,
  scrape: () => Promise<Registry>,
  isPublic = true,
): void {
  api.route(
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      tags: ["System"],
      query: z.object({ format: z.enum(["prometheus", "json"]).optional() }),
      responseType: "text/plain",
      public: isPublic,
    },
    async (c, { query }) => {
      const registry = await scrape();
      if (query.format === "json") return c.json(await registry.getMetricsAsJSON());
      const body = await registry.metrics();
      return c.body(body, 200, { "content-type": registry.contentType });
    },
  );
}
