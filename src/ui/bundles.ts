/**
 * Generative-UI bundles: each entry of the config's `ui` map (`{"agent": "./ui.tsx"}`) is built at
 * start-up with `@langchain/langgraph-ui` (esbuild; react and the SDK stay external and are provided
 * by the host page through `LGUI_REQUIRE`), kept in memory for `/ui/:agent/*`, and written to a cache
 * folder (`.olg/ui/<agent>/` in the project, else the OS temp folder) for inspection or a CDN. `olg dev`
 * restarts the server on file changes, so no watcher is needed here. A start whose bundle inputs are
 * unchanged (same content hash, `bundle-key.ts`, kept in `<agent>/build.json`) reuses the cached
 * files instead of building again.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundleKey } from "./bundle-key.ts";

/** `<agent>/build.json`: what the cached files were built from. */
const MANIFEST = "build.json";

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
    /** Agents whose bundle came from the cache (inputs unchanged) rather than a build. */
    readonly reused: readonly string[] = [],
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

async function writeCache(
  dir: string,
  built: Map<string, UiFile[]>,
  keys: Map<string, string | null>,
): Promise<void> {
  for (const [agent, files] of built) {
    const folder = path.join(dir, agent);
    await mkdir(folder, { recursive: true });
    for (const file of files)
      await writeAtomically(path.join(folder, file.basename), file.contents);
    // Written last: a manifest names only files already in place.
    const key = keys.get(agent) ?? null;
    const manifest = { key, files: files.map((f) => f.basename) };
    await writeAtomically(path.join(folder, MANIFEST), Buffer.from(JSON.stringify(manifest)));
  }
}

/** The cached files of `agent` when they were built from inputs with this `key`. */
async function readCache(dir: string, agent: string, key: string): Promise<UiFile[] | null> {
  try {
    const folder = path.join(dir, agent);
    const manifest = JSON.parse(await readFile(path.join(folder, MANIFEST), "utf-8"));
    if (manifest?.key !== key || !Array.isArray(manifest.files) || !manifest.files.length)
      return null;
    const files: UiFile[] = [];
    for (const basename of manifest.files as string[])
      files.push({ basename, contents: await readFile(path.join(folder, basename)) });
    return files;
  } catch {
    return null;
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

/**
 * Builds every UI bundle, or reuses the cached one of an agent whose inputs are unchanged; throws
 * (naming the agent) when one fails to build. `reused` names the agents taken from the cache.
 */
export async function buildUiBundles(options: UiBuildOptions): Promise<UiBundles> {
  const entries = Object.entries(options.defs);
  const candidates = cacheCandidates(options);
  const keys = new Map<string, string | null>();
  const reused: string[] = [];
  const results = await Promise.all(
    entries.map(async ([agent, userPath]) => {
      const key = await bundleKey(agent, userPath, options.cwd, options.shared ?? []);
      keys.set(agent, key);
      if (key)
        for (const dir of candidates) {
          const cached = await readCache(dir, agent, key);
          if (cached) {
            reused.push(agent);
            return [agent, cached];
          }
        }
      return [agent, await buildOne(agent, userPath, options)];
    }),
  );
  const built = new Map(results as [string, UiFile[]][]);
  for (const dir of candidates) {
    try {
      await writeCache(dir, built, keys);
      return new UiBundles(built, dir, reused);
    } catch {
      // not writable (read-only image, permissions): try the next folder
    }
  }
  return new UiBundles(built, null, reused);
}
