/** Running (or only showing) the commands of `olg deploy`. */
import { spawn, spawnSync } from "node:child_process";
import { CliError } from "../errors.ts";

/** A command line as a user would type it (arguments quoted when needed). */
export function shellLine(argv: string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`))
    .join(" ");
}

/** The container engine that answers (`docker info` / `podman info` exits 0), or null. */
export function containerEngine(): string | null {
  for (const engine of [process.env.OLG_CONTAINER_ENGINE, "docker", "podman"]) {
    if (!engine) continue;
    const r = spawnSync(engine, ["info"], { stdio: "ignore", timeout: 15_000 });
    if (r.status === 0) return engine;
  }
  return null;
}

/** The helm binary: $HELM, else `helm` when it runs, else null. */
export function helmBinary(): string | null {
  for (const helm of [process.env.HELM, "helm"]) {
    if (!helm) continue;
    const r = spawnSync(helm, ["version", "--short"], { stdio: "ignore", timeout: 15_000 });
    if (r.status === 0) return helm;
  }
  return null;
}

/** Runs `argv` in `cwd`, its output on stderr (or captured with `capture`); rejects on failure. */
export function run(argv: string[], cwd: string, capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      stdio: ["ignore", capture ? "pipe" : process.stderr, "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr!.on("data", (d) => {
      err += d;
      if (!capture) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve(out);
      const unreachable = /unreachable|connection refused|no such host|cannot connect/i.test(err);
      reject(
        new CliError(
          `${shellLine(argv)} failed (exit ${code})`,
          unreachable ? "unreachable" : "failed",
          capture ? err.trim().split("\n").slice(-10).join("\n") : undefined,
        ),
      );
    });
  });
}
