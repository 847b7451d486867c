/**
 * When a cached generative-UI bundle may be reused: the content hash of everything the build reads.
 * A bundle build (esbuild plus the tailwind/postcss/autoprefixer plugin stack) costs about 2 s of
 * CPU at every server start; finding its inputs costs a plain esbuild pass with `metafile` and no
 * plugins (milliseconds). The key hashes the agent name, module path, `shared` list, the versions
 * of @langchain/langgraph-ui and esbuild, and the path and bytes of every module the bundle
 * includes (the project's files and the packages it bundles). A UI that imports CSS gets no key
 * (always built): tailwind scans files no import graph names, so its output has no known inputs.
 * Nor does a module the plain pass cannot resolve (the real build then reports the error).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
/** Packages the host page provides; kept out of the bundle exactly as the real build does. */
const EXTERNAL = [
  "react",
  "react-dom",
  "@langchain/langgraph-sdk",
  "@langchain/langgraph-sdk/react-ui",
];

/** The package.json of the installed `pkg`, found by walking up from its entry point. */
function packageJsonOf(pkg: string, from: string): { path: string; version: string } | null {
  try {
    let dir = path.dirname(createRequire(from).resolve(pkg));
    for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
      try {
        const file = path.join(dir, "package.json");
        const meta = require(file) as { name?: string; version?: string };
        if (meta.name === pkg && meta.version) return { path: file, version: meta.version };
      } catch {
        // not this folder
      }
    }
  } catch {
    // not installed
  }
  return null;
}

/** The versions of the bundler packages, as the real build resolves them. */
function bundlerVersions(): { ui: string; esbuild: string; esbuildFrom: string } | null {
  const ui = packageJsonOf("@langchain/langgraph-ui", import.meta.url);
  if (!ui) return null;
  const esbuild = packageJsonOf("esbuild", ui.path);
  if (!esbuild) return null;
  return { ui: ui.version, esbuild: esbuild.version, esbuildFrom: ui.path };
}

/** The cache key of one agent's bundle, or null when it must be built (see the module doc). */
export async function bundleKey(
  agent: string,
  userPath: string,
  cwd: string,
  shared: string[],
): Promise<string | null> {
  const versions = bundlerVersions();
  if (!versions) return null;
  try {
    const esbuild = createRequire(versions.esbuildFrom)("esbuild") as typeof import("esbuild");
    let css = false;
    const result = await esbuild.build({
      absWorkingDir: path.resolve(cwd),
      entryPoints: [path.resolve(cwd, userPath)],
      bundle: true,
      write: false,
      metafile: true,
      platform: "browser",
      target: "es2020",
      jsx: "automatic",
      logLevel: "silent",
      external: [...EXTERNAL, ...shared],
      plugins: [
        {
          name: "olg-css-probe",
          setup(build) {
            build.onLoad({ filter: /\.css$/ }, () => {
              css = true;
              return { contents: "", loader: "css" };
            });
          },
        },
      ],
    });
    if (css) return null;
    const hash = createHash("sha256");
    hash.update(JSON.stringify({ format: 1, agent, userPath, shared, ...versions, cwd: "" }));
    for (const input of Object.keys(result.metafile.inputs).sort()) {
      hash.update(`\0${input}\0`);
      hash.update(await readFile(path.resolve(cwd, input)));
    }
    return hash.digest("hex");
  } catch {
    return null; // let the real build run (and report what is wrong)
  }
}
