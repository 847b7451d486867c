/**
 * The schemas of a graph described from its runtime definition alone, for when the static
 * TypeScript parser has not answered (yet, or at all): the state, input and output channels of the
 * graph's own schemas (`Annotation` or zod) and its context schema (zod), each property typed as
 * far as the runtime tells (zod types exactly; reducer channels by their default value; message
 * lists as message arrays). Input lists the graph's input keys, not every state key; output its
 * output keys. Shapes follow the static parser's (draft-07 objects, `$ref` to `definitions`).
 */
import { messagesStateReducer } from "@langchain/langgraph";
import type { CompiledGraph } from "./registry.ts";
import type { GraphSchema } from "./schema-types.ts";

type Json = Record<string, unknown>;

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
/** The name the static parser gives the message type (so a `$ref` reads the same either way). */
const MESSAGE_DEF = "BaseMessage<MessageStructure<MessageToolSet>,MessageType>";
const MESSAGE_REF = `#/definitions/${MESSAGE_DEF}`;

/** A message as the fallback can describe it (the static parser derives it from the TS types). */
const BASE_MESSAGE: Json = {
  type: "object",
  description: "Base class for all types of messages in a conversation.",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    content: {},
    additional_kwargs: { type: "object" },
    response_metadata: { type: "object" },
  },
  required: ["content"],
};

/** The JSON type of a default value (an empty schema when it says nothing). */
function typeOfValue(value: unknown): Json {
  if (Array.isArray(value)) return { type: "array" };
  if (value === null || value === undefined) return {};
  if (typeof value === "string") return { type: "string" };
  if (typeof value === "number") return { type: "number" };
  if (typeof value === "boolean") return { type: "boolean" };
  if (typeof value === "object") return { type: "object" };
  return {};
}

/** One state channel's property schema. */
function channelProperty(channel: unknown): { schema: Json; messages: boolean } {
  const c = channel as { operator?: unknown; initialValueFactory?: () => unknown } | undefined;
  if (c?.operator === messagesStateReducer)
    return { schema: { type: "array", items: { $ref: MESSAGE_REF } }, messages: true };
  if (typeof c?.initialValueFactory === "function") {
    try {
      return { schema: typeOfValue(c.initialValueFactory()), messages: false };
    } catch {
      // a default that needs more than nothing: untyped
    }
  }
  return { schema: {}, messages: false };
}

const isPublic = (key: string) => !key.startsWith("__");

/** An object schema of the channels `definition` names (a channel map or a list of keys). */
function objectOf(definition: unknown, channels: Json): Json | undefined {
  const keys = Array.isArray(definition)
    ? (definition as string[])
    : definition && typeof definition === "object"
      ? Object.keys(definition)
      : [];
  const wanted = keys.filter(isPublic);
  if (wanted.length === 0) return undefined;
  let messages = false;
  const properties: Json = {};
  for (const key of wanted) {
    const channel =
      definition && !Array.isArray(definition) ? (definition as Json)[key] : channels[key];
    const p = channelProperty(channel ?? channels[key]);
    properties[key] = p.schema;
    messages ||= p.messages;
  }
  return {
    type: "object",
    properties,
    ...(messages ? { definitions: { [MESSAGE_DEF]: BASE_MESSAGE } } : {}),
    $schema: DRAFT_07,
  };
}

/** A zod object's JSON schema, or undefined when `schema` is not one or cannot be converted. */
async function zodSchema(schema: unknown): Promise<Json | undefined> {
  if (!schema || typeof schema !== "object") return undefined;
  try {
    const { toJsonSchema } = await import("@langchain/core/utils/json_schema");
    const { isZodSchemaV3, isZodSchemaV4 } = await import("@langchain/core/utils/types");
    if (!isZodSchemaV4(schema as never) && !isZodSchemaV3(schema as never)) return undefined;
    return { ...(toJsonSchema(schema as never) as Json), $schema: DRAFT_07 };
  } catch {
    return undefined;
  }
}

/** The schemas of `graph` from its runtime definition (see the module comment). */
export async function runtimeFallbackSchema(graph: CompiledGraph): Promise<GraphSchema> {
  const builder = (graph?.builder ?? {}) as Json;
  const channels = (builder._schemaDefinition ?? builder.channels ?? {}) as Json;
  const state = (await zodSchema(builder._schemaRuntimeDefinition)) ?? objectOf(channels, channels);
  const input =
    (await zodSchema(builder._inputRuntimeDefinition)) ??
    objectOf(builder._inputDefinition ?? graph?.inputChannels, channels) ??
    state;
  const output =
    (await zodSchema(builder._outputRuntimeDefinition)) ??
    objectOf(builder._outputDefinition ?? graph?.outputChannels, channels) ??
    state;
  const config = await zodSchema(builder._configRuntimeSchema);
  const empty = { type: "object", properties: {}, $schema: DRAFT_07 };
  return { state: state ?? empty, input: input ?? empty, output: output ?? empty, config };
}
