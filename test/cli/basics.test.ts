/**
 * Every command's help has examples, `--version` prints the package version, usage mistakes exit 2,
 * colours follow NO_COLOR / FORCE_COLOR / the terminal, and shell completion answers.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/server.ts";
import { cleanupTemp, olg, tempDir } from "./support.ts";

const ESC = "\u001b[";

describe("olg basics", { timeout: 180_000 }, () => {
  const cwd = tempDir();
  afterAll(() => cleanupTemp(cwd));

  it("prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8"));
    for (const flag of ["--version", "-v"]) {
      const r = await olg([flag], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it("shows examples in the help of every command", async () => {
    const top = await olg(["--help"], { cwd });
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("Examples:");
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)(?: \[options\]| <| \[|\s{2,})/gm)]
      .map((m) => m[1]!)
      .filter((c) => !["help", "complete"].includes(c));
    expect(commands).toEqual(expect.arrayContaining(["migrate", "logs", "completion"]));
    const missing: string[] = [];
    for (const command of commands) {
      if (command === "dev" || command === "serve" || command === "completion") continue;
      const r = await olg([command, "--help"], { cwd });
      if (r.code !== 0 || !r.stdout.includes("Examples:")) missing.push(command);
    }
    expect(missing).toEqual([]);
  });

  it("exits 2 on usage mistakes, with a hint", async () => {
    const unknown = await olg(["frobnicate"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
    expect(unknown.stderr).toContain("--help");
    const badLevel = await olg(["logs", "--level", "loud"], { cwd });
    expect(badLevel.code).toBe(2);
    expect(badLevel.stderr).toMatch(/--level/);
  });

  it("colours only when allowed", async () => {
    const plain = await olg(["migrate", "status"], { cwd });
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toContain(ESC);
    const forced = await olg(["migrate", "status"], {
      cwd,
      env: { NO_COLOR: undefined, FORCE_COLOR: "1" },
    });
    expect(forced.stdout + forced.stderr).toContain(ESC);
    const both = await olg(["migrate", "status"], {
      cwd,
      env: { NO_COLOR: "1", FORCE_COLOR: "1" },
    });
    expect(both.stdout + both.stderr).not.toContain(ESC);
  });

  it("generates completion scripts and completes commands and flags", async () => {
    for (const shell of ["bash", "zsh", "fish", "powershell"]) {
      const r = await olg(["completion", shell], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("olg");
    }
    const commands = await olg(["complete", "--", "mi"], { cwd });
    expect(commands.stdout).toMatch(/^migrate\b/m);
    const flags = await olg(["complete", "--", "logs", "--fo"], { cwd });
    expect(flags.stdout).toMatch(/^--follow\b/m);
  });
});
