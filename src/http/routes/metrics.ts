/** `GET /metrics`: the Prometheus text exposition of the registry (`?format=json` for JSON). */
import type { Registry } from "prom-client";
import { z } from "zod";
import type { Api } from "../api.ts";

/** Registers the scrape endpoint; `isPublic` exempts it from authentication. */
export function registerMetricsRoute(api: Api, registry: Registry, isPublic = true): void {
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
      if (query.format === "json") return c.json(await registry.getMetricsAsJSON());
      const body = await registry.metrics();
      return c.body(body, 200, { "content-type": registry.contentType });
    },
  );
}
