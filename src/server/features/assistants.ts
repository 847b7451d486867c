/**
 * Assistants: graph introspection (static schema extraction, computed lazily or warmed at start in
 * dev), the service over the cached SQL repository, the system assistant of each graph, the routes.
 */
import { AssistantsService } from "../../assistants/service.ts";
import { SqlAssistantsRepository } from "../../assistants/sql-repository.ts";
import { GraphIntrospection } from "../../graphs/introspect.ts";
import {
  GraphSchemas,
  officialStaticParser,
  schemaRequestBudgetMs,
  schemaResolveTimeoutMs,
} from "../../graphs/schemas.ts";
import { registerAssistantRoutes } from "../../http/routes/assistants.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";
import type { RunEngine } from "./run-engine.ts";

/** `assistants`: service, system assistants, routes. */
export const assistantsModule: FeatureModule<
  Infrastructure & { engine: RunEngine },
  { assistants: AssistantsService }
> = {
  name: "assistants",
  async create({ settings, storage, graphs, caching, clock, log, auth, engine }) {
    const introspection = new GraphIntrospection(
      graphs,
      new GraphSchemas(
        officialStaticParser(schemaResolveTimeoutMs(process.env)),
        (graphId, err) =>
          log.warn({ graphId, err }, "static schema extraction failed; using runtime schemas"),
        schemaRequestBudgetMs(process.env),
      ),
    );
    const assistants = new AssistantsService({
      // Deleting an assistant deletes its runs through the runs engine (threads repaired).
      repository: caching.assistants(
        new SqlAssistantsRepository(storage.db, {
          runs: engine.runStore,
          threads: engine.threadRunRows,
        }),
      ),
      graphs: introspection,
      clock,
      onRunsDeleted: () => engine.queue.announceDeleted(),
    });
    // In dev (Studio) the schemas are ready before the first request; servers compute them lazily.
    if (settings.warmSchemas) void introspection.warmUp(graphs.ids());
    await assistants.registerSystemAssistants(
      settings.graphs.map((g) => ({
        graphId: g.graphId,
        description: g.description,
        defaults: settings.systemAssistantDefaults[g.graphId],
      })),
    );
    const disabled = settings.file.http?.disable_assistants === true;
    return {
      assistants,
      flags: { assistants: !disabled },
      routes: disabled
        ? []
        : [(api) => registerAssistantRoutes(api, { assistants, auth: auth.auth })],
    };
  },
};
