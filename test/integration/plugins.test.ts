/**
 * Plugins from the config: a real server started on the example project (examples/plugin) with
 * its plugin installed as an npm package in the project's node_modules serves the plugin's route
 * (authorized, in /openapi.json), its metric and its /info flag; the loader names what is wrong
 * with a missing package, a module without a plugin, and two plugins claiming one URL scheme.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPlugins, pluginSet } from "../../src/server/plugins.ts";
import { ROOT, startServer, type TestServer } from "../support/server.ts";

const EXAMPLE = path.join(ROOT, "examples/plugin");
// Under the repository (git-ignored /tmp/), so the project resolves @langchain/langgraph from it.
const scratch = () => {
  mkdirSync(path.join(ROOT, "tmp"), { recursive: true });
  return mkdtempSync(path.join(ROOT, "tmp", "plugins-"));
};

describe("plugin loaded from the config by a real server", () => {
  let project: string;
  let server: TestServer | undefined;

  beforeAll(async () => {
    project = scratch();
    cpSync(path.join(EXAMPLE, "open_langgraph.json"), path.join(project, "open_langgraph.json"));
    cpSync(path.join(EXAMPLE, "graph.ts"), path.join(project, "graph.ts"));
    // What `npm install` does with the file: dependency, as a copy (no symlink).
    cpSync(
      path.join(EXAMPLE, "olg-plugin-hello"),
      path.join(project, "node_modules/olg-plugin-hello"),
      { recursive: true },
    );
    server = await startServer({
      backend: "pglite",
      config: path.join(project, "open_langgraph.json"),
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(project, { recursive: true, force: true });
  });

  it("serves the plugin's route with its options", async () => {
    const res = await fetch(`${server!.url}/hello`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: "hi from a plugin", graphs: ["echo"] });
  });

  it("lists the route in /openapi.json and the flag in /info", async () => {
    const doc = (await (await fetch(`${server!.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain("/hello");
    const info = (await (await fetch(`${server!.url}/info`)).json()) as {
      flags: Record<string, boolean>;
    };
    expect(info.flags.hello_plugin).toBe(true);
  });

  it("counts calls in its metric on /metrics", async () => {
    await fetch(`${server!.url}/hello`);
    const text = await (await fetch(`${server!.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith("olg_plugin_hello_requests_total"));
    expect(Number(line?.split(" ").at(-1))).toBeGreaterThanOrEqual(2);
  });

  it("was started by the server", () => {
    expect(server!.logs.join("")).toContain("hello plugin started");
  });
});

describe("plugin loader errors", () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names a package that is not installed", async () => {
    await expect(loadPlugins(["olg-plugin-not-installed"], dir)).rejects.toThrow(
      /cannot find package "olg-plugin-not-installed"/,
    );
  });

  it("refuses a module without a plugin export", async () => {
    writeFileSync(path.join(dir, "empty.mjs"), "export const x = 1;\n");
    await expect(loadPlugins(["./empty.mjs"], dir)).rejects.toThrow(/exports no plugin/);
  });

  it("refuses two storage plugins for one URL scheme", () => {
    const storage = { schemes: ["mysql"], open: async () => ({}) as never };
    expect(() =>
      pluginSet([
        { plugin: { name: "a", storage }, options: {} },
        { plugin: { name: "b", storage }, options: {} },
      ]),
    ).toThrow(/"a" and "b" both open mysql: URLs/);
  });

  it("routes a database URL to the plugin claiming its scheme", async () => {
    const opened: string[] = [];
    const set = pluginSet([
      {
        plugin: {
          name: "m",
          storage: {
            schemes: ["mysql"],
            open: async (url) => {
              opened.push(url);
              return {} as never;
            },
          },
        },
        options: {},
      },
    ]);
    const log = { info: () => {} } as never;
    expect(set.openStorage("postgres://x/y", log)).toBeUndefined();
    expect(set.openStorage(null, log)).toBeUndefined();
    await set.openStorage("mysql://root@127.0.0.1/db", log);
    expect(opened).toEqual(["mysql://root@127.0.0.1/db"]);
  });
});
