/**
 * Generative-UI bundles: each entry of the config's `ui` map (`{"agent": "./ui.tsx"}`) is built at
 * start-up with `@langchain/langgraph-ui` (esbuild; react and the SDK stay external and are provided
 * by the host page through `LGUI_REQUIRE`), kept in memory for `/ui/:agent/*`, and written to a cache
 * folder (`.olg/ui/<agent>/` in the project, else the OS temp folder) for inspection or a CDN. `olg dev`
 * restarts the server on file changes, so no watcher is needed here.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** One built asset (`entrypoint.js`, `entrypoint.css`). */
export interface UiFile {
  basename: string;
  contents: Uint8Array;
}

/** What to build. */
export interface UiBuildOptions {
  /** Agent name → UI module path, relative to `cwd`. */
  defs: Record<string, string>;
  /** The project folder (the config file's folder). */
  cwd: string;
  /** Extra packages the host page provides (`ui_config.shared`). */
  shared?: string[];
  /** Cache folder; defaults to `<cwd>/.olg/ui`. */
  cacheDir?: string;
}

/** The built bundles of every agent. */
export class UiBundles {
  constructor(
    private readonly byAgent: ReadonlyMap<string, readonly UiFile[]>,
    /** Where the assets were written, or null when no folder was writable. */
    readonly cacheDir: string | null,
  ) {}

  /** Agent names with a bundle. */
  agents(): string[] {
    return [...this.byAgent.keys()];
  }

  /** The assets of an agent (empty when it has none). */
  files(agent: string): readonly UiFile[] {
    return this.byAgent.get(agent) ?? [];
  }

  /** One asset of an agent. */
  file(agent: string, basename: string): UiFile | undefined {
    return this.files(agent).find((f) => f.basename === basename);
  }
}

async function buildOne(agent: string, userPath: string, options: UiBuildOptions) {
  try {
    // Loaded on demand: esbuild and the tailwind plugin are not needed by servers without `ui`.
    const { build: bundle } = await import("@langchain/langgraph-ui/dist/bundler.mjs");
    const files = await bundle(agent, {
      cwd: options.cwd,
      userPath,
      config: { shared: options.shared ?? [] },
    });
    if (files.length === 0) throw new Error("no output");
    return files;
  } catch (error) {
    throw new Error(`ui.${agent}: cannot build ${userPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function writeAtomically(target: string, contents: Uint8Array): Promise<void> {
  const tmp = `${target}.${randomUUID()}.tmp`;
  await writeFile(tmp, contents);
  await rename(tmp, target);
}

async function writeCache(dir: string, built: Map<string, UiFile[]>): Promise<void> {
  for (const [agent, files] of built) {
    const folder = path.join(dir, agent);
    await mkdir(folder, { recursive: true });
    for (const file of files)
      await writeAtomically(path.join(folder, file.basename), file.contents);
  }
}

/** The folders we try, in order: the configured one (or the project's), then a temp folder. */
function cacheCandidates(options: UiBuildOptions): string[] {
  const key = createHash("sha1").update(path.resolve(options.cwd)).digest("hex").slice(0, 12);
  return [
    options.cacheDir ?? path.join(options.cwd, ".olg", "ui"),
    path.join(tmpdir(), "olg-ui", key),
  ];
}

/** Builds every UI bundle; throws (naming the agent) when one fails to build. */
export async function buildUiBundles(options: UiBuildOptions): Promise<UiBundles> {
  const entries = Object.entries(options.defs);
  const results = await Promise.all(
    entries.map(async ([agent, userPath]) => [agent, await buildOne(agent, userPath, options)]),
  );
  const built = new Map(results as [string, UiFile[]][]);
  for (const dir of cacheCandidates(options)) {
    try {
      await writeCache(dir, built);
      return new UiBundles(built, dir);
    } catch {
      // not writable (read-only image, permissions): try the next folder
    }
  }
  return new UiBundles(built, null);
}
