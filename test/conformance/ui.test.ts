/**
 * Black-box: generative-UI bundles from the config's `ui` map, served as the official server does
 * (`POST /ui/:agent` HTML snippet, `GET /ui/:agent/:file` assets), on every backend.
 */
import { Client } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

describe.each(sharedServers())("generative UI ($backend)", ({ url }) => {
  const host = new URL(url).host;
  const component = (agent: string, body: unknown) =>
    fetch(`${url}/ui/${agent}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/html" },
      body: JSON.stringify(body),
    });

  it("answers the HTML that loads the bundle and renders the component", async () => {
    const res = await component("agent", { name: "weather-card" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain(
      `<script src="http://${host}/ui/agent/entrypoint.js" onload='__LGUI_agent.render("weather-card", "{{shadowRootId}}")'></script>`,
    );
  });

  it("is what the SDK's UI client loads, and the bundle resolves shared deps via LGUI_REQUIRE", async () => {
    const client = new Client({ apiUrl: url });
    const html = await client["~ui"].getComponent("agent", "note");
    const src = /src="([^"]+)"/.exec(html)?.[1];
    expect(src).toBe(`http://${host}/ui/agent/entrypoint.js`);
    const js = await fetch(src!);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    const code = await js.text();
    expect(code).toContain(`globalThis[Symbol.for("LGUI_REQUIRE")]`);
    expect(code).toContain("var __LGUI_agent");
    expect(code).toContain("Weather for");
  });

  it("answers 404 for an agent without UI and for an unknown asset", async () => {
    const res = await component("no-such-agent", { name: "x" });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('UI not found for agent "no-such-agent"');
    const file = await fetch(`${url}/ui/agent/nope.js`);
    expect(file.status).toBe(404);
    expect(await file.text()).toBe("File not found");
  });

  it("rejects a request without a component name", async () => {
    const res = await component("agent", {});
    expect(res.status).toBe(400);
    expect((await res.json()).error.name).toBe("ZodError");
  });

  it("lists the UI routes in /openapi.json", async () => {
    const doc = await (await fetch(`${url}/openapi.json`)).json();
    expect(doc.paths["/ui/{agent}"]?.post).toBeDefined();
    expect(doc.paths["/ui/{agent}/{file}"]?.get).toBeDefined();
  });
});
