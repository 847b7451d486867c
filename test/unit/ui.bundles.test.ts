/** Unit: building generative-UI bundles with @langchain/langgraph-ui into a cache folder. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildUiBundles } from "../../src/ui/bundles.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/graphs");

describe("buildUiBundles", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("builds each agent's bundle, keeps it in memory and writes it to the cache folder", async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "olg-ui-test-"));
    dirs.push(cacheDir);
    const bundles = await buildUiBundles({
      defs: { "my-agent": "./ui.jsx" },
      cwd: FIXTURES,
      cacheDir,
    });
    expect(bundles.agents()).toEqual(["my-agent"]);
    expect(bundles.cacheDir).toBe(cacheDir);
    const js = bundles.file("my-agent", "entrypoint.js");
    const text = new TextDecoder().decode(js!.contents);
    expect(text).toContain("var __LGUI_my_agent");
    expect(text).toContain(`globalThis[Symbol.for("LGUI_REQUIRE")]`);
    expect(text).toContain(`__require("react/jsx-runtime")`); // react stays external
    const written = await readFile(path.join(cacheDir, "my-agent", "entrypoint.js"), "utf-8");
    expect(written).toBe(text);
  }, 60_000);

  it("names the agent whose UI cannot be built", async () => {
    await expect(
      buildUiBundles({ defs: { broken: "./no-such-ui.tsx" }, cwd: FIXTURES, cacheDir: tmpdir() }),
    ).rejects.toThrow(/ui\.broken: cannot build \.\/no-such-ui\.tsx/);
  }, 60_000);
});
