/** Assistant domain types: the aggregate, its versions, queries and the metadata scope. */
export type Metadata = Record<string, unknown>;

/** A runnable config as stored with an assistant (tags, recursion_limit, configurable, …). */
export type AssistantConfig = Record<string, unknown> & {
  tags?: string[];
  recursion_limit?: number;
  configurable?: Record<string, unknown>;
};

/** An assistant: a graph plus configuration, versioned. */
export interface Assistant {
  assistantId: string;
  graphId: string;
  name: string;
  description: string | null;
  config: AssistantConfig;
  context: unknown;
  metadata: Metadata;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One stored version of an assistant. */
export type AssistantVersion = Omit<Assistant, "updatedAt">;

/** Sortable columns. */
export type AssistantSortBy = "assistant_id" | "graph_id" | "name" | "created_at" | "updated_at";

/** Fields a search may project (wire names). */
export const ASSISTANT_FIELDS = [
  "assistant_id",
  "graph_id",
  "name",
  "description",
  "config",
  "context",
  "metadata",
  "version",
  "created_at",
  "updated_at",
] as const;

/** One projectable field. */
export type AssistantField = (typeof ASSISTANT_FIELDS)[number];

/**
 * A metadata filter that limits which assistants a caller may see (auth). Rows outside the scope
 * behave as if they did not exist. `undefined` means unrestricted.
 */

/** Filters shared by search and count. */
export interface AssistantFilter {
  graphId?: string;
  /** Case-insensitive substring of the name. */
  name?: string;
  /** JSONB containment on metadata. */
  metadata?: Metadata;
}

/** Search filters and paging. */
export interface AssistantSearch extends AssistantFilter {
  limit: number;
  offset: number;
  sortBy?: AssistantSortBy;
  sortOrder?: "asc" | "desc";
}

/** A page of search results and the number of matching rows overall. */
export interface AssistantPage {
  items: Assistant[];
  total: number;
}

/** What to create. */
export interface NewAssistant {
  assistantId: string;
  graphId: string;
  name: string;
  description: string | null;
  config: AssistantConfig;
  context: unknown;
  metadata: Metadata;
}

/** A partial update; absent fields keep their value, metadata is merged. */
export interface AssistantPatch {
  graphId?: string;
  name?: string;
  description?: string;
  config?: AssistantConfig;
  context?: unknown;
  metadata?: Metadata;
}

/** Paging and filter for the version list. */
export interface VersionQuery {
  limit: number;
  offset: number;
  metadata?: Metadata;
}

/** What a conflicting create does. */
export type IfExists = "raise" | "do_nothing";
