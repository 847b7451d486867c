/** Unit: building generative-UI bundles with @langchain/langgraph-ui into a cache folder. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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

  it("reuses the cached bundle while its inputs are unchanged and rebuilds when one changes", async () => {
    const project = await mkdtemp(path.join(tmpdir(), "olg-ui-project-"));
    dirs.push(project);
    await writeFile(
      path.join(project, "card.jsx"),
      "export const Card = () => <b>alphaword</b>;\n",
    );
    await writeFile(
      path.join(project, "ui.jsx"),
      'import { Card } from "./card.jsx";\nexport default { card: Card };\n',
    );
    const options = { defs: { a: "./ui.jsx" }, cwd: project };
    const text = (b: Awaited<ReturnType<typeof buildUiBundles>>) =>
      new TextDecoder().decode(b.file("a", "entrypoint.js")!.contents);
    const first = await buildUiBundles(options);
    expect(first.reused).toEqual([]);
    expect(first.cacheDir).toBe(path.join(project, ".olg", "ui"));
    const second = await buildUiBundles(options);
    expect(second.reused).toEqual(["a"]);
    expect(text(second)).toBe(text(first));
    // A change in a file the UI imports (not the entry module itself) invalidates the cache.
    await writeFile(
      path.join(project, "card.jsx"),
      "export const Card = () => <b>bravoword</b>;\n",
    );
    const third = await buildUiBundles(options);
    expect(third.reused).toEqual([]);
    expect(text(third)).toContain("bravoword");
    expect(text(third)).not.toContain("alphaword");
    // So does another `shared` list (it changes what the bundle leaves external).
    const fourth = await buildUiBundles({ ...options, shared: ["lodash"] });
    expect(fourth.reused).toEqual([]);
    // A UI that imports CSS is always built: tailwind reads files no import names.
    await writeFile(path.join(project, "style.css"), ".x { color: red; }\n");
    await writeFile(
      path.join(project, "ui.jsx"),
      'import "./style.css";\nimport { Card } from "./card.jsx";\nexport default { card: Card };\n',
    );
    await buildUiBundles(options);
    const css = await buildUiBundles(options);
    expect(css.reused).toEqual([]);
    expect(css.file("a", "entrypoint.css")).toBeDefined();
  }, 60_000);

  it("names the agent whose UI cannot be built", async () => {
    await expect(
      buildUiBundles({ defs: { broken: "./no-such-ui.tsx" }, cwd: FIXTURES, cacheDir: tmpdir() }),
    ).rejects.toThrow(/ui\.broken: cannot build \.\/no-such-ui\.tsx/);
  }, 60_000);
});
