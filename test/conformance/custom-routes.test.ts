/**
 * Black-box: the user's `http.app` (mounted before the built-in routes), the in-process loopback
 * used by `new Client()` inside the server, and per-graph custom endpoints, on every backend.
 */
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, startServer, type TestServer } from "../support/server.ts";

const CONFIG = "test/fixtures/graphs/open_langgraph.custom.json";
const backends = ["pglite", ...((await postgresAvailable()) ? ["postgres" as const] : [])] as const;

describe.each(backends)("custom routes (%s)", (backend) => {
  let server: TestServer;
  let url: string;
  let client: Client;
  beforeAll(async () => {
    server = await startServer({ backend, config: CONFIG });
    url = server.url;
    client = new Client({ apiUrl: url });
  }, 60_000);
  afterAll(async () => server?.stop());

  const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  describe("http.app", () => {
    it("serves the user's routes with their middleware", async () => {
      const res = await fetch(`${url}/custom/hello`, { headers: { "x-custom-input": "hey" } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ hello: "world" });
      expect(res.headers.get("x-custom-output")).toBe("hey");
      expect(res.headers.get("x-olg-middleware")).toBe("true");
    });

    it("applies the user's middleware to built-in routes", async () => {
      const info = await fetch(`${url}/info`);
      expect(info.status).toBe(200);
      expect(info.headers.get("x-olg-middleware")).toBe("true");
      const assistant = await client.assistants.get("endpoints_agent");
      expect(assistant.graph_id).toBe("endpoints_agent");
    });

    it("can intercept a request meant for a built-in route", async () => {
      const res = await fetch(`${url}/info?olg_intercept=1`);
      expect(await res.json()).toEqual({ intercepted: "/info" });
    });

    it("shadows a built-in route, which keeps serving everything else", async () => {
      const shadowed = await fetch(`${url}/assistants/shadowed-by-user-app`);
      expect(shadowed.status).toBe(200);
      expect(await shadowed.json()).toEqual({ shadowed: true });
      const builtIn = await fetch(`${url}/assistants/${randomUUID()}`);
      expect(builtIn.status).toBe(404);
    });

    it("keeps built-in error statuses and bodies under the user's middleware", async () => {
      const res = await fetch(`${url}/threads/${randomUUID()}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("x-olg-middleware")).toBe("true");
      expect(await res.text()).toMatch(/not found/i);
      const invalid = await post("/threads/search", { limit: "many" });
      expect(invalid.status).toBe(400);
    });

    it("answers 404 for paths nobody serves", async () => {
      expect((await fetch(`${url}/custom/does-not-exist`)).status).toBe(404);
    });

    it("maps the user's HTTPException to its status and message", async () => {
      const res = await fetch(`${url}/custom/teapot`);
      expect(res.status).toBe(418);
      expect(await res.text()).toBe("short and stout");
    });

    it("streams a user route's body in chunks", async () => {
      const res = await fetch(`${url}/custom/stream`);
      const reader = res.body!.getReader();
      const chunks: string[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(new TextDecoder().decode(value));
      }
      // 150 ms between writes: a buffered (non-streamed) body would arrive as one chunk.
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      expect(chunks.join("")).toBe("chunk 0\nchunk 1\nchunk 2\n");
    });

    it("lets a route call the server in-process with new Client()", async () => {
      const marker = randomUUID();
      const res = await fetch(`${url}/custom/loopback?marker=${marker}`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.metadata).toMatchObject({ via: "loopback", marker });
      const seen = await client.threads.get(body.thread_id);
      expect(seen.metadata).toMatchObject({ via: "loopback", marker });
    });
  });

  describe("graph endpoints", () => {
    it("validates the body with the handler's schema and answers its JSON", async () => {
      const ok = await post("/endpoints/summarize", { text: "one two three four five" });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ summary: "one two three", graph_id: "endpoints_agent" });
      const two = await post("/endpoints/summarize", { text: "a b c", max_words: 2 });
      expect((await two.json()).summary).toBe("a b");
    });

    it("rejects an invalid body with the zod 400 shape", async () => {
      const res = await post("/endpoints/summarize", { text: "", max_words: -1 });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.success).toBe(false);
      expect(body.error.name).toBe("ZodError");
      const paths = body.error.issues.map((i: { path: string[] }) => i.path.join("."));
      expect(paths).toEqual(expect.arrayContaining(["text", "max_words"]));
    });

    it("rejects a body that is not JSON", async () => {
      const res = await post("/endpoints/summarize", "text=hello", {
        "content-type": "application/x-www-form-urlencoded",
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Malformed JSON");
    });

    it("validates the query with the handler's query schema", async () => {
      const ok = await fetch(`${url}/endpoints/health?verbose=1`);
      expect(await ok.json()).toEqual({ ok: true, graph_id: "endpoints_agent", verbose: true });
      const bad = await fetch(`${url}/endpoints/health?verbose=maybe`);
      expect(bad.status).toBe(400);
    });

    it("passes a handler's own Response through, and 204 when it returns nothing", async () => {
      const res = await post("/endpoints/raw", { a: 1 });
      expect(res.status).toBe(202);
      expect(res.headers.get("x-endpoint")).toBe("raw");
      expect(await res.text()).toBe('raw:{"a":1}:POST');
      const del = await fetch(`${url}/endpoints/items/42`, { method: "DELETE" });
      expect(del.status).toBe(204);
    });

    it("dispatches to the agent through the loopback client", async () => {
      const res = await post("/endpoints/run", { text: "hello" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ output: { text: "hello", echo: "HELLO" } });
    });

    it("lists the endpoints in /openapi.json with their schemas", async () => {
      const doc = await (await fetch(`${url}/openapi.json`)).json();
      const summarize = doc.paths["/endpoints/summarize"]?.post;
      expect(summarize.summary).toBe("Summarize a text");
      expect(summarize.tags).toContain("endpoints_agent");
      const schema = summarize.requestBody.content["application/json"].schema;
      expect(schema.properties.text.type).toBe("string");
      expect(schema.required).toEqual(["text"]);
      const health = doc.paths["/endpoints/health"]?.get;
      expect(health.parameters.map((p: { name: string }) => p.name)).toContain("verbose");
      expect(doc.paths["/endpoints/items/{id}"]?.delete).toBeDefined();
    });
  });
});
