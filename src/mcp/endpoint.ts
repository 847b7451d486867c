/**
 * The `/mcp` endpoint: MCP over Streamable HTTP, stateless (each request stands alone, as on
 * LangGraph Platform), answered as JSON. The protocol (initialize, version negotiation, JSON-RPC
 * framing, errors) is the official `@modelcontextprotocol/sdk` server; this module only supplies the
 * tool handlers (`tools.ts`).
 */
import type { Client } from "@langchain/langgraph-sdk";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { callTool, listTools, ToolLookupError } from "./tools.ts";

/** What the endpoint is built from. */
export interface McpEndpointOptions {
  /** An SDK client that reaches this server with the credentials of `request`. */
  clientFor(request: Request): Client;
  name: string;
  version: string;
}

/** Handles one HTTP request to `/mcp`. */
export function mcpEndpoint(o: McpEndpointOptions) {
  return async function handleMcp(request: Request): Promise<Response> {
    if (request.method !== "POST")
      return new Response(null, { status: 405, headers: { allow: "POST" } });
    const client = o.clientFor(request);
    const server = new Server(
      { name: o.name, version: o.version },
      { capabilities: { tools: { listChanged: false } } },
    );
    server.setRequestHandler(ListToolsRequestSchema, (req) =>
      listTools(client, req.params?.cursor),
    );
    server.setRequestHandler(CallToolRequestSchema, async (req) => {
      try {
        const out = await callTool(client, req.params.name, req.params.arguments);
        return {
          content: [{ type: "text", text: out.text }],
          ...(out.structured ? { structuredContent: out.structured } : {}),
          ...(out.isError ? { isError: true } : {}),
        };
      } catch (err) {
        if (err instanceof ToolLookupError)
          throw new McpError(ErrorCode.InvalidParams, err.message);
        throw err;
      }
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  };
}
