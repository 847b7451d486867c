/**
 * The static schema parser's process (src/graphs/schema-process.mjs) ends with the server that
 * started it, also when that server is SIGKILLed in the middle of a parse: the parse holds the
 * parser's thread, so only its watchdog thread can notice (before, such a parser ran on alone for
 * up to a minute of CPU, re-parented to init).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { guardProcess } from "../support/cleanup.ts";
import { ROOT } from "../support/server.ts";

/** Whether `pid` runs (a zombie, dead but not yet reaped by its new parent, does not). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};
const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

let parser: number | undefined;
afterEach(() => {
  if (parser && alive(parser)) process.kill(parser, "SIGKILL");
});

it("a parser whose server was SIGKILLed mid-parse exits within a second", async () => {
  const server = guardProcess(
    spawn(process.execPath, ["--import", "tsx", "test/fixtures/schema/parse-forever.ts"], {
      cwd: ROOT,
      stdio: "ignore",
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!parser && Date.now() < deadline) {
    parser = childrenOf(server.pid!).find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("schema-process.mjs"),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(parser, "the parser process started").toBeDefined();
  // Mid-parse: the TypeScript program takes seconds.
  await new Promise((r) => setTimeout(r, 1500));
  expect(alive(parser!)).toBe(true);
  server.kill("SIGKILL");
  const killedAt = Date.now();
  while (alive(parser!) && Date.now() - killedAt < 5000)
    await new Promise((r) => setTimeout(r, 50));
  expect(alive(parser!), "the parser outlived its server").toBe(false);
  expect(Date.now() - killedAt).toBeLessThan(1500);
}, 60_000);
