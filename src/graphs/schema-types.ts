/** The shapes of a graph's JSON schemas, shared by the schema resolver and its runtime fallback. */

/** JSON schemas of one graph (undefined: unknown). */
export interface GraphSchema {
  state: Record<string, unknown> | undefined;
  input: Record<string, unknown> | undefined;
  output: Record<string, unknown> | undefined;
  config: Record<string, unknown> | undefined;
}

/** Schemas of a module's graph and of its subgraphs, keyed `root`, `root|ns`, `root|ns|ns2`. */
export type StaticSchemas = Record<string, GraphSchema>;
