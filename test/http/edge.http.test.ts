/**
 * The HTTP edge in process (`buildServer()` + `app.request()`, PGlite in memory): validated path
 * params, request ids, CORS headers on answered responses, body limits, and the route registry
 * behind /openapi.json, without a port or a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuiltServer } from "../../src/main.ts";
import { buildTestServer, request } from "../support/in-process.ts";

let server: BuiltServer;
beforeAll(async () => {
  server = await buildTestServer(undefined, (s) => {
    s.bodyLimit = 64 * 1024;
  });
}, 60_000);
afterAll(async () => server?.close());

describe("http edge in process", () => {
  it("creates and reads an assistant; an unknown id is 404", async () => {
    const created = await request(server, "POST", "/assistants", { graph_id: "agent" });
    expect(created.status).toBe(200);
    const { assistant_id } = (await created.json()) as { assistant_id: string };
    const read = await request(server, "GET", `/assistants/${assistant_id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { graph_id: string }).graph_id).toBe("agent");
    const missing = await request(
      server,
      "GET",
      "/assistants/0190f5b0-0000-7000-8000-000000000000",
    );
    expect(missing.status).toBe(404);
  });

  it("refuses a thread id that is not a UUID with 400 before the handler", async () => {
    const res = await request(server, "GET", "/threads/not-a-uuid");
    expect(res.status).toBe(400);
    const checkpoint = await request(
      server,
      "GET",
      "/threads/0190f5b0-0000-7000-8000-000000000000/state/nope",
    );
    expect(checkpoint.status).toBe(400);
  });

  it("echoes a sane x-request-id, makes one otherwise", async () => {
    const given = await request(server, "GET", "/ok", undefined, { "x-request-id": "abc-123" });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const made = await request(server, "GET", "/ok", undefined, {
      "x-request-id": "bad id with spaces",
    });
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sets CORS headers on answered responses, errors and preflights", async () => {
    const ok = await request(
      server,
      "POST",
      "/threads/search",
      { limit: 1 },
      { origin: "http://a.example" },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    expect(ok.headers.get("access-control-expose-headers")).toContain("x-pagination-total");
    const missing = await request(server, "GET", "/threads/0190f5b0-0000-7000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
    const preflight = await server.app.request("/threads", {
      method: "OPTIONS",
      headers: { origin: "http://a.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("answers 413 past the body limit and 400 for malformed JSON", async () => {
    const big = await request(server, "POST", "/threads/search", {
      metadata: { x: "y".repeat(70_000) },
    });
    expect(big.status).toBe(413);
    const bad = await server.app.request("/threads/search", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
  });

  it("lists every registered route in /openapi.json", async () => {
    const doc = (await (await request(server, "GET", "/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      "/assistants/{assistant_id}",
      "/threads/search",
      "/threads/{thread_id}/state/{checkpoint_id}",
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });
});
