/**
 * Black-box through the official MCP SDK client (Streamable HTTP) on PGlite and PostgreSQL, with an
 * auth module (its handlers apply to tool listing and calls; no credentials is 401): every
 * assistant is a tool (name, graph description, input schema), a call runs the graph and returns
 * its output, a failing graph is a tool error, an unknown tool is a JSON-RPC error, and `/info`
 * advertises the endpoint.
 */
import { Client } from "@langchain/langgraph-sdk";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, startServer, type TestServer } from "../support/server.ts";

const backends = ["pglite", ...((await postgresAvailable()) ? ["postgres" as const] : [])] as const;
const as = (user: string) => ({ Authorization: `Bearer ${user}` });

async function connect(url: string, user: string): Promise<McpClient> {
  const mcp = new McpClient({ name: "olg-test", version: "1.0.0" });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: as(user) },
    }),
  );
  return mcp;
}

describe.each(backends)("MCP endpoint (%s)", { timeout: 120_000 }, (backend) => {
  let server: TestServer;
  let url = "";
  let client: Client;
  let mcp: McpClient;
  beforeAll(async () => {
    server = await startServer({ backend, config: "test/fixtures/mcp/open_langgraph.json" });
    url = server.url;
    client = new Client({ apiUrl: url, defaultHeaders: as("alice") });
    mcp = await connect(url, "alice");
  }, 150_000);
  afterAll(async () => {
    await mcp?.close();
    await server?.stop();
  }, 30_000);

  it("lists each assistant as a tool with its description and input schema", async () => {
    // The first listing may extract every graph's schemas (cold TypeScript analysis): allow it time.
    const { tools } = await mcp.listTools(undefined, { timeout: 180_000 });
    const nested = tools.find((t) => t.name === "nested");
    expect(nested?.description).toBe("Three levels of nested subgraphs");
    const steps = tools.find((t) => t.name === "runs_steps");
    expect(steps?.inputSchema.type).toBe("object");
    expect(Object.keys(steps?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["delay_ms", "fail_at"]),
    );
    const custom = await client.assistants.create({
      graphId: "runs_steps",
      name: `mcp-tool-${Date.now()}`,
      description: "A custom assistant",
    });
    const again = await mcp.listTools(undefined, { timeout: 180_000 });
    expect(again.tools.find((t) => t.name === custom.name)?.description).toBe("A custom assistant");
    // The auth handlers apply to tool calls as to every route: bob may list but not run graphs.
    const bob = await connect(url, "bob");
    const bobs = await bob.listTools(undefined, { timeout: 180_000 });
    expect(bobs.tools.map((t) => t.name)).toContain("runs_steps");
    await expect(
      bob.callTool({ name: "runs_steps", arguments: { delay_ms: 1 } }),
    ).rejects.toThrow();
    await bob.close();
    await client.assistants.delete(custom.assistant_id);
  }, 240_000);

  it("runs the graph on a call and returns its output", async () => {
    const result = await mcp.callTool({ name: "runs_steps", arguments: { delay_ms: 1 } });
    expect(result.isError).toBeFalsy();
    const content = result.content as { type: string; text: string }[];
    const value = JSON.parse(content[0]!.text) as { visits: string[] };
    expect(value.visits).toHaveLength(4);
    expect((result.structuredContent as { visits: string[] }).visits).toEqual(value.visits);
  }, 60_000);

  it("reports a failing run as a tool error and an unknown tool as a protocol error", async () => {
    const failed = await mcp.callTool({
      name: "runs_steps",
      arguments: { delay_ms: 1, fail_at: "s2" },
    });
    expect(failed.isError).toBe(true);
    expect((failed.content as { text: string }[])[0]!.text.length).toBeGreaterThan(0);
    await expect(mcp.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(
      /Unknown tool: no_such_tool/,
    );
  }, 60_000);

  it("is advertised in /info and refuses GET (stateless, no SSE session)", async () => {
    const info = (await (await fetch(`${url}/info`)).json()) as { flags: Record<string, boolean> };
    expect(info.flags.mcp).toBe(true);
    expect((await fetch(`${url}/mcp`, { headers: as("alice") })).status).toBe(405);
    const anonymous = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe("MCP and A2A disabled", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      backend: "pglite",
      config: "test/fixtures/mcp/open_langgraph.disabled.json",
    });
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it("http.disable_mcp and http.disable_a2a remove the routes and their /info flags", async () => {
    const post = (path: string) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    expect((await post("/mcp")).status).toBe(404);
    expect((await post("/a2a/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const card = await fetch(`${server.url}/.well-known/agent-card.json?assistant_id=x`);
    expect(card.status).toBe(404);
    const info = (await (await fetch(`${server.url}/info`)).json()) as {
      flags: Record<string, boolean>;
    };
    expect(info.flags.mcp).toBe(false);
    expect(info.flags.a2a).toBe(false);
  });
});
