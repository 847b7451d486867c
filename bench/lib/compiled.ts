/**
 * Which of our builds the bench runs. Users run the published package: `bin/olg.js` over the
 * compiled `dist/` (tsc output). A clone runs `src/` through tsx instead, which keeps every
 * module's transformed source and source map in memory and wraps named closures to keep their
 * names (about 256 B more per closure: ~2.2 KiB per open SSE stream, ~90 MB more RSS at rest
 * measured on the embedded default, 2026-12-01). So by default the bench compiles `src/` once per
 * run (`tsc -p tsconfig.build.json`, ~30 s) into `bench/.package/` (git-ignored), laid out as the
 * installed package (`bin/`, `dist/`, `package.json`, with `node_modules`, `ui` and `templates`
 * linked to this checkout's), and starts that. `BENCH_OURS=src` runs the sources as a clone does.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";

let built: string | null = null;

/** `src` (the clone's tsx path) or `dist` (the published package's). */
export function oursBuild(env = process.env): "src" | "dist" {
  return env.BENCH_OURS === "src" ? "src" : "dist";
}

/**
 * The `olg` entry to start our server with, compiling the package layout on first call in this
 * process. Throws with tsc's output if the sources do not compile.
 */
export function oursBin(root: string, env = process.env): string {
  if (oursBuild(env) === "src") return path.join(root, "bin/olg.js");
  if (built) return built;
  const pkg = path.join(root, "bench/.package");
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  process.stderr.write(`bench: compiling src/ into ${pkg} (BENCH_OURS=src to skip)\n`);
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      path.join(pkg, "dist"),
    ],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
  cpSync(path.join(root, "bin"), path.join(pkg, "bin"), { recursive: true });
  cpSync(path.join(root, "package.json"), path.join(pkg, "package.json"));
  for (const linked of ["node_modules", "ui", "templates"])
    if (existsSync(path.join(root, linked)))
      symlinkSync(path.join(root, linked), path.join(pkg, linked));
  built = path.join(pkg, "bin/olg.js");
  return built;
}
