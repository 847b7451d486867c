/** Unit: custom-route building blocks (user app adoption, endpoint schemas/conflicts, UI HTML, loopback). */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Api } from "../../src/http/api.ts";
import { adoptUserApp, hasDefaultErrorHandler, parseModuleSpec } from "../../src/http/custom.ts";
import { asZod, type LoadedEndpoint, registerEndpointRoutes } from "../../src/http/endpoints.ts";
import { errorHandler } from "../../src/http/errors.ts";
import { bindLoopback, isLoopbackBound, loopbackFetch } from "../../src/http/loopback.ts";
import { assetOrigin, componentHtml } from "../../src/http/routes/ui.ts";
import { UiBundles } from "../../src/ui/bundles.ts";

describe("http.app adoption", () => {
  it("parses module specs", () => {
    expect(parseModuleSpec("./http.ts:app")).toEqual({ file: "./http.ts", exportName: "app" });
    expect(parseModuleSpec("./http.ts")).toEqual({ file: "./http.ts", exportName: "default" });
  });

  it("detects a custom onError and keeps it for the user's routes", async () => {
    const user = new Hono().get("/boom", () => {
      throw new Error("x");
    });
    expect(hasDefaultErrorHandler(user as any)).toBe(true);
    user.onError((_e, c) => c.text("user handled", 599 as any));
    expect(hasDefaultErrorHandler(user as any)).toBe(false);
    const app = new Hono();
    app.onError(errorHandler(() => {}));
    app.route("/", adoptUserApp(user as any));
    const res = await app.request("/boom");
    expect(res.status).toBe(599);
    expect(await res.text()).toBe("user handled");
  });

  it("lets our error mapping answer errors under the user's middleware", async () => {
    const user = new Hono().use(async (c, next) => {
      await next();
      c.header("x-mw", "1");
    });
    const app = new Hono();
    app.onError(errorHandler(() => {}));
    app.route("/", adoptUserApp(user as any));
    app.get("/teapot", () => {
      throw new HTTPException(418, { message: "tea" });
    });
    const res = await app.request("/teapot");
    expect(res.status).toBe(418);
    expect(await res.text()).toBe("tea");
  });
});

describe("endpoint schemas", () => {
  it("adapts a Standard Schema that is not zod v4", () => {
    const std = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (v: any) =>
          typeof v?.n === "number"
            ? { value: { n: v.n * 2 } }
            : { issues: [{ message: "n must be a number", path: [{ key: "n" }] }] },
      },
    };
    const schema = asZod(std, "where");
    expect(schema.parse({ n: 2 })).toEqual({ n: 4 });
    const bad = schema.safeParse({ n: "x" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["n"]);
  });

  it("refuses something that is not a schema", () => {
    expect(() => asZod({ parse: 1 }, "graphs.x.endpoints[0]")).toThrow(/not a schema/);
  });

  it("refuses an endpoint that collides with a built-in route", () => {
    const api = new Api(new Hono());
    api.route({ method: "post", path: "/threads", summary: "Create thread", tags: [] }, (c) =>
      c.json({}),
    );
    const ep: LoadedEndpoint = {
      graphId: "g",
      spec: { path: "/threads", method: "POST", handler: "h" },
      handler: () => ({}),
      body: z.object({}),
    };
    expect(() => registerEndpointRoutes(api, [ep])).toThrow(/POST \/threads is already a route/);
    api.route({ method: "get", path: "/threads/:thread_id", summary: "Get", tags: [] }, (c) =>
      c.json({}),
    );
    const byParam = { ...ep, spec: { path: "/threads/:id", method: "GET" as const, handler: "h" } };
    expect(() => registerEndpointRoutes(api, [byParam])).toThrow(/already a route \("Get"\)/);
  });
});

describe("UI HTML", () => {
  const bundles = new UiBundles(
    new Map([
      [
        "my-agent",
        [
          { basename: "entrypoint.js", contents: new Uint8Array() },
          { basename: "entrypoint.css", contents: new Uint8Array() },
        ],
      ],
    ]),
    null,
  );

  it("uses http: for localhost hosts and protocol-relative URLs otherwise", () => {
    expect(assetOrigin("localhost:2024")).toBe("http://localhost:2024");
    expect(assetOrigin("127.0.0.1")).toBe("http://127.0.0.1");
    expect(assetOrigin("api.example.com")).toBe("//api.example.com");
    expect(assetOrigin("localhost.example.com")).toBe("//localhost.example.com");
  });

  it("links the stylesheet and escapes the component name", () => {
    const html = componentHtml(bundles, "my-agent", 'a"b', "example.com")!;
    expect(html.split("\n")).toEqual([
      `<link rel="stylesheet" href="//example.com/ui/my-agent/entrypoint.css" />`,
      `<script src="//example.com/ui/my-agent/entrypoint.js" onload='__LGUI_my_agent.render("a\\"b", "{{shadowRootId}}")'></script>`,
    ]);
    expect(componentHtml(bundles, "other", "x", "example.com")).toBeNull();
  });
});

describe("loopback", () => {
  let unbind: (() => void) | undefined;
  afterEach(() => unbind?.());

  it("dispatches relative and absolute requests to the app in-process", async () => {
    const app = new Hono().get("/hello", (c) => c.json({ host: c.req.header("host") ?? null }));
    const binding = bindLoopback(app, "http://127.0.0.1:9/");
    unbind = binding.unbind;
    expect(isLoopbackBound()).toBe(true);
    expect((globalThis as any)[Symbol.for("langgraph_api:url")]).toBe("http://127.0.0.1:9");
    expect(await (await loopbackFetch("/hello")).json()).toEqual({ host: "127.0.0.1:9" });
    binding.setUrl("http://localhost:1234");
    const res = await loopbackFetch("http://elsewhere.test/hello");
    expect(res.status).toBe(200);
    expect((globalThis as any)[Symbol.for("langgraph_api:url")]).toBe("http://localhost:1234");
    binding.unbind();
    expect(isLoopbackBound()).toBe(false);
    await expect(loopbackFetch("/hello")).rejects.toThrow(/not bound/);
  });
});
