/** Assistant domain types and the repository port. */
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

/** Search filters and paging. */
export interface AssistantSearch {
  graphId?: string;
  name?: string;
  metadata?: Metadata;
  limit: number;
  offset: number;
  sortBy?: AssistantSortBy;
  sortOrder?: "asc" | "desc";
}
