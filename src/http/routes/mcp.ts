/**
 * `/mcp`: the deployment as an MCP server (Streamable HTTP). Authenticated like every route; the
 * tool handlers reach the API as the caller. See `src/mcp`.
 */
import type { Api } from "../api.ts";

/** Registers `/mcp` (POST answers JSON-RPC; GET and DELETE answer 405: no sessions, no SSE). */
export function registerMcpRoutes(api: Api, handle: (request: Request) => Promise<Response>): void {
  for (const method of ["post", "get", "delete"] as const)
    api.route(
      {
        method,
        path: "/mcp",
        summary:
          method === "post"
            ? "MCP (Streamable HTTP): each assistant is a tool"
            : "MCP session endpoint (not supported: stateless server)",
        tags: ["MCP"],
      },
      (c) => handle(c.req.raw),
    );
}
