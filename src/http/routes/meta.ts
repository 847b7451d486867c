/** System routes: liveness, server info, test-only truncate. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { installedVersion } from "../../peers/versions.ts";
import type { Api } from "../api.ts";

/** What `/info` reports; flags are true only for what works. */
export interface InfoOptions {
  /** Read on every request, so features wired after the meta routes may still add theirs. */
  flags: { assistants: boolean; crons: boolean; langsmith: boolean; [feature: string]: boolean };
}

const ownVersion = JSON.parse(
  readFileSync(new URL("../../../package.json", import.meta.url), "utf-8"),
).version as string;
/** The project's LangGraph (see peers/versions.ts), as the official server reports its own. */
const langgraphVersion = installedVersion("@langchain/langgraph");

/** Registers `/ok` and `/info`. */
export function registerMetaRoutes(
  api: Api,
  options: InfoOptions,
  ready: () => Promise<boolean>,
): void {
  api.route(
    {
      method: "get",
      path: "/ok",
      summary: "Liveness probe",
      tags: ["System"],
      // The liveness probe: open like /ready (probes carry no credentials), nothing sensitive in it.
      public: true,
      query: z.object({ check_db: z.string().optional() }),
    },
    async (c, { query }) => {
      if (query.check_db && ["1", "true"].includes(query.check_db) && !(await ready())) {
        return c.json({ ok: false }, 503);
      }
      return c.json({ ok: true });
    },
  );
  api.route(
    { method: "get", path: "/info", summary: "Server information", tags: ["System"], public: true },
    (c) =>
      c.json({
        version: ownVersion,
        langgraph_js_version: langgraphVersion,
        context: "js",
        server: "open-langgraph",
        flags: { ...options.flags, langsmith_tracing_replicas: true },
      }),
  );
}
