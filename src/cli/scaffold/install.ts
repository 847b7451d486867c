/** Runs a project's package manager (install, add) with a spinner; its output is shown on failure. */
import { spawn } from "node:child_process";
import { CliError } from "../errors.ts";
import { withSpinner } from "../ui/term.ts";
import type { PackageManager } from "./project.ts";

/** The install command line for `pm`. */
export function installCommand(pm: PackageManager): string[] {
  if (pm === "npm") return ["npm", "install", "--no-audit", "--no-fund"];
  return [pm, "install"];
}

/** The package manager a project uses, from its lock file (npm when none). */
export function detectPackageManager(files: string[]): PackageManager {
  if (files.includes("pnpm-lock.yaml")) return "pnpm";
  if (files.includes("yarn.lock")) return "yarn";
  if (files.includes("bun.lockb") || files.includes("bun.lock")) return "bun";
  return "npm";
}

/** Runs `argv` in `cwd`; rejects with the tail of its output when it fails. */
export function runCommand(argv: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    });
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new CliError(
              `${argv[0]} is not installed`,
              "failed",
              `Install it, then run: ${argv.join(" ")}`,
            )
          : error,
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new CliError(
            `${argv.join(" ")} failed (exit ${code})`,
            "failed",
            output.trim().split("\n").slice(-15).join("\n"),
          ),
        );
    });
  });
}

/** Installs the project's packages with `pm`, behind a spinner. */
export function installProject(pm: PackageManager, cwd: string, quiet = false): Promise<void> {
  const argv = installCommand(pm);
  return withSpinner(`Installing packages (${argv.join(" ")})`, () => runCommand(argv, cwd), {
    quiet,
    done: () => "Packages installed",
  });
}
