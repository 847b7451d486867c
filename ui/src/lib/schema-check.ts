/**
 * Checks an assistant's settings against its graph's schemas (`/assistants/:id/schemas`) with
 * @cfworker/json-schema (no code generation, so the page's CSP needs no `unsafe-eval`): `context`
 * against `context_schema`, else `config.configurable` against `config_schema`. Properties with a
 * `default` are not required (the graph fills them in).
 */
import { type Schema, Validator } from "@cfworker/json-schema";

/** Problems of one value, as `path: message` lines; empty when valid or without a schema. */
export function schemaErrors(schema: unknown, value: unknown, root: string): string[] {
  if (!schema || typeof schema !== "object") return [];
  const relaxed = relaxDefaults(schema as Schema);
  const result = new Validator(relaxed, "2020-12", false).validate(value ?? {});
  if (result.valid) return [];
  // The deepest errors say the most; the summaries ("properties do not match") repeat them.
  const leaves = result.errors.filter((e) => e.keyword !== "properties" && e.keyword !== "$ref");
  return (leaves.length ? leaves : result.errors).map(
    (e) => `${root}${e.instanceLocation.replace(/^#/, "").replace(/\//g, ".")}: ${e.error}`,
  );
}

function relaxDefaults(schema: Schema): Schema {
  const props = schema.properties ?? {};
  const required = (schema.required ?? []).filter((key) => {
    const p = props[key];
    return !(p && typeof p === "object" && "default" in p);
  });
  const { $schema: _drop, ...rest } = schema as Schema & { $schema?: string };
  return { ...rest, required };
}

/** The assistant document the editor holds. */
export interface AssistantDoc {
  name?: string;
  description?: string | null;
  config?: { configurable?: Record<string, unknown> } & Record<string, unknown>;
  context?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** Everything wrong with `doc` given the graph's schemas (shape first, then the schemas). */
export function assistantErrors(
  doc: unknown,
  schemas: { config_schema?: unknown; context_schema?: unknown } | null,
): string[] {
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    return ["The assistant must be a JSON object"];
  const d = doc as AssistantDoc;
  const errors: string[] = [];
  if (d.name !== undefined && (typeof d.name !== "string" || !d.name.trim()))
    errors.push("name: must be a non-empty string");
  for (const key of ["config", "context", "metadata"] as const) {
    const v = d[key];
    if (v !== undefined && (v === null || typeof v !== "object" || Array.isArray(v)))
      errors.push(`${key}: must be an object`);
  }
  if (errors.length) return errors;
  if (schemas?.context_schema)
    errors.push(...schemaErrors(schemas.context_schema, d.context, "context"));
  else if (schemas?.config_schema)
    errors.push(
      ...schemaErrors(schemas.config_schema, d.config?.configurable, "config.configurable"),
    );
  return errors;
}
