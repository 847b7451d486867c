/**
 * The assistants feature: CRUD with versions, search, system assistants (one per graph), and graph
 * introspection through an assistant. Every lookup accepts an assistant id or a graph id (which
 * names that graph's system assistant), as the official server does.
 */

import type { Scope } from "../auth/scope.ts";
import type { Clock } from "../core/clock.ts";
import { conflict, notFound } from "../core/errors.ts";
import { newId, systemAssistantId } from "../core/ids.ts";
import type { GraphIntrospector, Xray } from "../graphs/introspect.ts";
import type { GraphSchema } from "../graphs/schemas.ts";
import type { AssistantsRepository } from "./repository.ts";
import type {
  Assistant,
  AssistantFilter,
  AssistantPage,
  AssistantPatch,
  AssistantSearch,
  AssistantVersion,
  IfExists,
  Metadata,
  VersionQuery,
} from "./types.ts";

/** What a client may give when creating an assistant. */
export interface CreateAssistantInput {
  assistantId?: string;
  graphId: string;
  name?: string;
  description?: string;
  config?: Record<string, unknown>;
  context?: unknown;
  metadata?: Metadata;
  ifExists?: IfExists;
}

/** A graph to register a system assistant for. */
export interface SystemGraph {
  graphId: string;
  description?: string;
  /** `LANGGRAPH_CONFIG[graphId]`: `context` goes to the context, the rest to the config. */
  defaults?: Record<string, unknown>;
}

/** The schemas response of one assistant. */
export interface AssistantSchemas {
  graphId: string;
  schema: GraphSchema;
}

/** Dependencies, built once at boot. */
export interface AssistantsServiceOptions {
  repository: AssistantsRepository;
  graphs: GraphIntrospector;
  clock: Clock;
  /** Called after an assistant was deleted with its runs: stops them at once wherever they run. */
  onRunsDeleted?: () => Promise<void>;
}

const NOT_FOUND = "Assistant not found";

/** Whether the server created this assistant for its graph (`registerSystemAssistants`). */
const isSystemAssistant = (a: Assistant): boolean =>
  a.assistantId === systemAssistantId(a.graphId) &&
  (a.metadata as Record<string, unknown> | null)?.created_by === "system";

/** Assistants use cases. */
export class AssistantsService {
  readonly #repo: AssistantsRepository;
  readonly #graphs: GraphIntrospector;
  readonly #clock: Clock;
  readonly #onRunsDeleted: (() => Promise<void>) | undefined;

  constructor(options: AssistantsServiceOptions) {
    this.#repo = options.repository;
    this.#graphs = options.graphs;
    this.#clock = options.clock;
    this.#onRunsDeleted = options.onRunsDeleted;
  }

  /** The stored id an assistant id or graph id refers to. */
  idOf(idOrGraphId: string): string {
    return this.#graphs.has(idOrGraphId) ? systemAssistantId(idOrGraphId) : idOrGraphId;
  }

  /**
   * Creates an assistant. Unlike the official server (which accepts any graph id and fails only
   * when the assistant is used), an unknown graph is rejected up front with 404.
   */
  async create(input: CreateAssistantInput, scope?: Scope): Promise<Assistant> {
    this.#requireGraph(input.graphId);
    const result = await this.#repo.insert(
      {
        assistantId: input.assistantId ?? newId(),
        graphId: input.graphId,
        name: input.name || (input.name === "" ? input.graphId : "Untitled"),
        description: input.description ?? null,
        config: input.config ?? {},
        context: input.context ?? {},
        metadata: input.metadata ?? {},
      },
      this.#clock.now(),
      scope,
    );
    // An existing row outside the caller's scope conflicts too, as upstream.
    if (!result) throw conflict("Assistant already exists");
    if (!result.created && (input.ifExists ?? "raise") === "raise") {
      throw conflict("Assistant already exists");
    }
    return result.assistant;
  }

  /** The assistant, or 404 "Assistant not found". */
  async get(idOrGraphId: string, scope?: Scope): Promise<Assistant> {
    const found = await this.#repo.get(this.idOf(idOrGraphId), scope);
    if (!found) throw notFound(NOT_FOUND);
    return found;
  }

  /**
   * The assistant a run (or a cron) uses, or 404 with the official run-creation message.
   * `readScope` runs the caller's `assistants:read` for the stored id (it may deny with 403); an
   * assistant outside the returned scope is 404, exactly like a missing one, so nothing of an
   * assistant the caller cannot read (its `configurable` often holds keys) reaches the caller.
   * System assistants (one per graph, created by the server from the deployment's config, which
   * no user owns or can stamp) are outside any metadata filter: a graph id stays runnable by
   * every caller whose handler does not deny the read.
   */
  async resolve(
    idOrGraphId: string,
    readScope?: (assistantId: string) => Promise<Scope>,
  ): Promise<Assistant> {
    const id = this.idOf(idOrGraphId);
    const scope = readScope ? await readScope(id) : undefined;
    let found = await this.#repo.get(id, scope);
    if (!found && scope != null) {
      const unscoped = await this.#repo.get(id);
      if (unscoped && isSystemAssistant(unscoped)) found = unscoped;
    }
    if (!found) {
      throw notFound(
        `No assistant found for "${id}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`,
      );
    }
    return found;
  }

  /** Applies a patch as a new version (metadata merged, config and context replaced). */
  async update(idOrGraphId: string, patch: AssistantPatch, scope?: Scope): Promise<Assistant> {
    if (patch.graphId != null) this.#requireGraph(patch.graphId);
    const updated = await this.#repo.update(
      this.idOf(idOrGraphId),
      patch,
      this.#clock.now(),
      scope,
    );
    if (!updated) throw notFound(NOT_FOUND);
    return updated;
  }

  /** Deletes an assistant (and, on request, the threads whose metadata names it). */
  async delete(
    idOrGraphId: string,
    options: { deleteThreads: boolean },
    scope?: Scope,
  ): Promise<string[]> {
    const id = this.idOf(idOrGraphId);
    if (!(await this.#repo.delete(id, options, scope))) throw notFound(NOT_FOUND);
    await this.#onRunsDeleted?.().catch(() => {});
    return [id];
  }

  /** A page of matching assistants and the overall count. */
  search(query: AssistantSearch, scope?: Scope): Promise<AssistantPage> {
    return this.#repo.search(query, scope);
  }

  /** How many assistants match. */
  count(filter: AssistantFilter, scope?: Scope): Promise<number> {
    return this.#repo.count(filter, scope);
  }

  /** Versions, newest first; 404 when there are none to show. */
  async versions(
    idOrGraphId: string,
    query: VersionQuery,
    scope?: Scope,
  ): Promise<AssistantVersion[]> {
    const id = this.idOf(idOrGraphId);
    const versions = await this.#repo.versions(id, query, scope);
    if (versions.length === 0) throw notFound(`Assistant "${id}" not found.`);
    return versions;
  }

  /** Makes a stored version the current one. */
  async setLatest(idOrGraphId: string, version: number, scope?: Scope) {
    const result = await this.#repo.setLatest(
      this.idOf(idOrGraphId),
      version,
      this.#clock.now(),
      scope,
    );
    if (result === "assistant_missing") throw notFound(NOT_FOUND);
    if (result === "version_missing") throw notFound("Assistant version not found");
    return result;
  }

  /** The drawable graph of an assistant. */
  async graph(idOrGraphId: string, xray: Xray | undefined, scope?: Scope) {
    const a = await this.get(idOrGraphId, scope);
    return this.#graphs.draw(this.#requireGraph(a.graphId), a.config, xray);
  }

  /** The JSON schemas of an assistant's graph. */
  async schemas(idOrGraphId: string, scope?: Scope): Promise<AssistantSchemas> {
    const a = await this.get(idOrGraphId, scope);
    const schema = await this.#graphs.schemas(this.#requireGraph(a.graphId), a.config);
    return { graphId: a.graphId, schema };
  }

  /** Schemas of an assistant graph's subgraphs. */
  async subgraphs(
    idOrGraphId: string,
    options: { namespace?: string; recurse: boolean },
    scope?: Scope,
  ): Promise<Record<string, GraphSchema>> {
    const a = await this.get(idOrGraphId, scope);
    return this.#graphs.subgraphs(
      this.#requireGraph(a.graphId),
      a.config,
      options.namespace,
      options.recurse,
    );
  }

  /**
   * Registers one system assistant per graph (id = uuid5 of the graph id, name = graph id,
   * metadata `{created_by: "system"}`). Upstream only creates missing ones; we also bring an
   * existing one in line with the current `LANGGRAPH_CONFIG` and graph description (as a new
   * version), so a changed configuration takes effect on a persistent database.
   */
  async registerSystemAssistants(graphs: SystemGraph[]): Promise<Assistant[]> {
    const out: Assistant[] = [];
    for (const g of graphs) {
      const { context, ...config } = g.defaults ?? {};
      out.push(
        await this.#repo.syncSystem(
          {
            assistantId: systemAssistantId(g.graphId),
            graphId: g.graphId,
            name: g.graphId,
            description: g.description ?? null,
            config,
            context: context ?? {},
            metadata: { created_by: "system" },
          },
          this.#clock.now(),
        ),
      );
    }
    return out;
  }

  #requireGraph(graphId: string): string {
    if (!this.#graphs.has(graphId)) throw notFound(`Graph "${graphId}" not found`);
    return graphId;
  }
}
