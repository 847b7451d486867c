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

// Every command here only reads: the tests, and the commands within a test, run at the same time.
describe.concurrent("olg basics", { timeout: 180_000 }, () => {
  const cwd = tempDir();
  afterAll(() => cleanupTemp(cwd));

  it("prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8"));
    for (const r of await Promise.all(["--version", "-v"].map((flag) => olg([flag], { cwd })))) {
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
    const checked = commands.filter((c) => !["dev", "serve", "completion"].includes(c));
    const helps = await Promise.all(checked.map((command) => olg([command, "--help"], { cwd })));
    const missing = checked.filter(
      (_, i) => helps[i]!.code !== 0 || !helps[i]!.stdout.includes("Examples:"),
    );
    expect(missing).toEqual([]);
  });

  it("exits 2 on usage mistakes, with a hint", async () => {
    const [unknown, badLevel] = await Promise.all([
      olg(["frobnicate"], { cwd }),
      olg(["logs", "--level", "loud"], { cwd }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
    expect(unknown.stderr).toContain("--help");
    expect(badLevel.code).toBe(2);
    expect(badLevel.stderr).toMatch(/--level/);
  });

  it("colours only when allowed", async () => {
    // `migrate status` on a database never created only reads (and creates nothing).
    const [plain, forced, both] = await Promise.all([
      olg(["migrate", "status"], { cwd }),
      olg(["migrate", "status"], { cwd, env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }),
      olg(["migrate", "status"], { cwd, env: { NO_COLOR: "1", FORCE_COLOR: "1" } }),
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stdout + plain.stderr).not.toContain(ESC);
    expect(forced.stdout + forced.stderr).toContain(ESC);
    expect(both.stdout + both.stderr).not.toContain(ESC);
  });

  it("generates completion scripts and completes commands and flags", async () => {
    const shells = ["bash", "zsh", "fish", "powershell"];
    const [commands, flags, ...scripts] = await Promise.all([
      olg(["complete", "--", "mi"], { cwd }),
      olg(["complete", "--", "logs", "--fo"], { cwd }),
      ...shells.map((shell) => olg(["completion", shell], { cwd })),
    ]);
    for (const r of scripts) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("olg");
    }
    expect(commands.stdout).toMatch(/^migrate\b/m);
    expect(flags.stdout).toMatch(/^--follow\b/m);
  });
});
