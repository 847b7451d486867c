/**
 * Assistants as MCP tools, as LangGraph Platform's `/mcp` describes them: tool name = assistant
 * name, description = assistant description (for system assistants, the graph's `description` in
 * the config), input schema = the graph's input schema; a call runs the assistant statelessly and
 * waits for its output. Everything goes through the SDK `Client` bound to the loopback with the
 * caller's credentials, so auth handlers and scopes apply exactly as on the REST routes.
 */
import type { Client } from "@langchain/langgraph-sdk";

/** Page size of `tools/list` (the cursor is an offset). */
export const PAGE_SIZE = 100;
/** How many assistants a call may search to find the named one. */
const MAX_ASSISTANTS = 1000;

/** An MCP tool description. */
export interface ToolInfo {
  name: string;
  description: string;
  inputSchema: { type: "object"; [key: string]: unknown };
}

/** A tool call's outcome in MCP terms. */
export interface ToolOutcome {
  isError: boolean;
  text: string;
  structured?: Record<string, unknown>;
}

/** A client mistake in a call (unknown or ambiguous tool): a JSON-RPC invalid-params error. */
export class ToolLookupError extends Error {
  override name = "ToolLookupError";
}

const objectSchema = (schema: unknown): ToolInfo["inputSchema"] => {
  if (schema && typeof schema === "object" && !Array.isArray(schema)) {
    const s = schema as Record<string, unknown>;
    return { ...s, type: "object" };
  }
  return { type: "object" };
};

/** One page of tools; `nextCursor` when more may follow. */
export async function listTools(
  client: Client,
  cursor: string | undefined,
): Promise<{ tools: ToolInfo[]; nextCursor?: string }> {
  const offset = Math.max(0, Number.parseInt(cursor ?? "0", 10) || 0);
  const assistants = await client.assistants.search({ offset, limit: PAGE_SIZE });
  const tools = await Promise.all(
    assistants.map(async (a) => {
      const schemas = await client.assistants.getSchemas(a.assistant_id).catch(() => null);
      return {
        name: a.name,
        description: a.description ?? "",
        inputSchema: objectSchema(schemas?.input_schema),
      };
    }),
  );
  return assistants.length === PAGE_SIZE
    ? { tools, nextCursor: String(offset + PAGE_SIZE) }
    : { tools };
}

/** Runs the assistant named `name` on `args` (stateless) and returns its output. */
export async function callTool(client: Client, name: string, args: unknown): Promise<ToolOutcome> {
  const assistants = await client.assistants.search({ limit: MAX_ASSISTANTS });
  const matching = assistants.filter((a) => a.name === name);
  if (matching.length === 0) throw new ToolLookupError(`Unknown tool: ${name}`);
  if (matching.length > 1) throw new ToolLookupError("Multiple tools found with the same name.");
  const value = (await client.runs.wait(null, matching[0]!.assistant_id, {
    input: (args ?? {}) as Record<string, unknown>,
    raiseError: false,
  })) as Record<string, unknown> | null;
  const error = value && typeof value === "object" ? value.__error__ : undefined;
  if (error) {
    const e = error as { error?: string; message?: string };
    return { isError: true, text: [e.error, e.message].filter(Boolean).join(": ") || "Run failed" };
  }
  const structured =
    value && typeof value === "object" && !Array.isArray(value) ? value : { result: value };
  return { isError: false, text: JSON.stringify(value), structured };
}
