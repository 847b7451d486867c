/** Black-box: system routes on every backend. */
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

describe.each(sharedServers())("system routes ($backend)", ({ url }) => {
  it("GET /ok answers ok", async () => {
    const res = await fetch(`${url}/ok`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("GET /info reports the server and its flags", async () => {
    const body = await (await fetch(`${url}/info`)).json();
    expect(body.context).toBe("js");
    expect(body.flags.assistants).toBe(true);
    expect(typeof body.version).toBe("string");
  });

  it("serves an OpenAPI document listing its routes, and the docs page", async () => {
    const doc = await (await fetch(`${url}/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/info");
    const docs = await fetch(`${url}/docs`);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(await docs.text()).toContain("/info");
  });

  it("exposes Content-Location, Location and pagination headers to browsers", async () => {
    const res = await fetch(`${url}/ok`, { headers: { Origin: "http://example.test" } });
    const exposed = res.headers.get("access-control-expose-headers") ?? "";
    for (const h of ["content-location", "location", "x-pagination-total"])
      expect(exposed).toContain(h);
  });

  it("unknown routes answer 404", async () => {
    const res = await fetch(`${url}/definitely-not-a-route`);
    expect(res.status).toBe(404);
  });
});
