/** Wire shapes of the assistants API: zod request schemas (snake_case) and response mappers. */
import { z } from "zod";
import type { AssistantSchemas } from "../../assistants/service.ts";
import {
  ASSISTANT_FIELDS,
  type Assistant,
  type AssistantField,
  type AssistantVersion,
} from "../../assistants/types.ts";

const record = z.record(z.string(), z.unknown());

/** `config` of an assistant, as the official schema (`AssistantConfig`). */
export const assistantConfigSchema = z
  .object({
    tags: z.array(z.string()).optional(),
    recursion_limit: z.number().int().optional(),
    configurable: record.optional(),
  })
  .catchall(z.unknown());

/** POST /assistants. */
export const assistantCreateSchema = z.object({
  assistant_id: z.guid().optional(),
  graph_id: z.string(),
  config: assistantConfigSchema.optional(),
  context: z.unknown().optional(),
  metadata: record.optional(),
  if_exists: z.enum(["raise", "do_nothing"]).optional(),
  name: z.string().optional(),
  description: z.string().optional(),
});

/** PATCH /assistants/:id. */
export const assistantPatchSchema = z.object({
  graph_id: z.string().optional(),
  config: assistantConfigSchema.optional(),
  context: z.unknown().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  metadata: record.optional(),
});

/** POST /assistants/count. */
export const assistantCountSchema = z.object({
  metadata: record.optional(),
  graph_id: z.string().optional(),
  name: z.string().optional(),
});

/** POST /assistants/search. */
export const assistantSearchSchema = assistantCountSchema.extend({
  limit: z.number().int().gte(1).lte(1000).optional(),
  offset: z.number().int().gte(0).optional(),
  sort_by: z.enum(["assistant_id", "graph_id", "created_at", "updated_at", "name"]).optional(),
  sort_order: z.enum(["asc", "desc"]).optional(),
  select: z.array(z.enum(ASSISTANT_FIELDS)).optional(),
});

/** POST /assistants/:id/versions. */
export const assistantVersionsSchema = z.object({
  limit: z.number().int().min(1).max(1000).optional().default(10),
  offset: z.number().int().min(0).optional().default(0),
  metadata: record.optional(),
});

/** POST /assistants/:id/latest. */
export const assistantLatestSchema = z.object({ version: z.number().int() });

/**
 * `?xray=`: the official server's booleans ("true", "1", "yes"; anything else is false), plus
 * an integer depth ≥ 2 as the Python server accepts.
 */
export const xrayQuery = z.object({
  xray: z
    .string()
    .optional()
    .transform((v): boolean | number | undefined => {
      if (v == null) return undefined;
      if (/^\d+$/.test(v) && Number(v) > 1) return Number(v);
      return ["true", "1", "yes"].includes(v.toLowerCase());
    }),
});

/** An assistant on the wire. */
export function toWireAssistant(a: Assistant): Record<AssistantField, unknown> {
  return {
    assistant_id: a.assistantId,
    graph_id: a.graphId,
    name: a.name,
    description: a.description,
    config: a.config,
    context: a.context,
    metadata: a.metadata,
    version: a.version,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

/** An assistant restricted to the selected fields (all when `select` is absent). */
export function selectFields(
  wire: Record<AssistantField, unknown>,
  select: AssistantField[] | undefined,
): Record<string, unknown> {
  if (!select) return wire;
  return Object.fromEntries(select.map((k) => [k, wire[k]]));
}

/** A stored version on the wire. */
export function toWireVersion(v: AssistantVersion): Record<string, unknown> {
  return {
    assistant_id: v.assistantId,
    version: v.version,
    graph_id: v.graphId,
    name: v.name,
    description: v.description,
    config: v.config,
    context: v.context,
    metadata: v.metadata,
    created_at: v.createdAt.toISOString(),
  };
}

/** The schemas response; `context_schema` repeats `config_schema` as in the official JS server. */
export function toWireSchemas({ graphId, schema }: AssistantSchemas): Record<string, unknown> {
  return {
    graph_id: graphId,
    input_schema: schema.input,
    output_schema: schema.output,
    state_schema: schema.state,
    config_schema: schema.config,
    context_schema: schema.config,
  };
}
