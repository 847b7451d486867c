/**
 * `olg test` as a user runs it: scenario files in process on the fake model, assertions that fail
 * for the right reasons, JUnit and JSON reports, bad files (exit 2), recorded models (record, then
 * replay with the provider gone), a running server (`--url`), and watch mode.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startServer, type TestServer } from "../support/server.ts";
import { cleanupTemp, killOlg, olg, spawnOlg, tempDir } from "./support.ts";

const FIXTURE = path.join(ROOT, "test/fixtures/cli/testing");

/** A copy of the fixture project in a temp folder (node_modules linked so graphs resolve). */
function projectCopy(): string {
  const dir = tempDir("olg-test-");
  cpSync(FIXTURE, dir, { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

// Each test works in its own copy of the project: they run at the same time.
describe.concurrent("olg test", { timeout: 600_000 }, () => {
  const copies: string[] = [];
  const project = () => {
    copies.push(projectCopy());
    return copies.at(-1)!;
  };
  afterAll(() => cleanupTemp(...copies));

  it("runs scenarios in process on the fake model, with JUnit and JSON reports", async () => {
    const cwd = project();
    const r = await olg(["test", "--junit", "out/junit.xml", "--report", "out/report.json"], {
      cwd,
    });
    expect(r.stderr).not.toContain("Error");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4 passed, 0 failed$/m);
    const junit = readFileSync(path.join(cwd, "out/junit.xml"), "utf-8");
    expect(junit).toMatch(/<testsuites name="olg test" tests="4" failures="0"/);
    expect(junit).toContain('name="answers the approval interrupt"');
    const report = JSON.parse(readFileSync(path.join(cwd, "out/report.json"), "utf-8"));
    expect(report).toMatchObject({ passed: 4, failed: 0, total: 4 });
    const weather = report.cases.find((c: { name: string }) => c.name === "calls the weather tool");
    expect(weather.turns[0].toolCalls).toEqual([{ name: "get_weather", args: { city: "Paris" } }]);
    const approval = report.cases.find((c: { name: string }) => c.name.includes("interrupt"));
    expect(approval.turns[0].interrupts).toEqual([{ action: "send", to: "bob" }]);
  });

  it("fails with reasons and exit 1 when an assertion does not hold", async () => {
    const cwd = project();
    const r = await olg(["test", "tests/failing.json", "--json", "--junit", "out/fail.xml"], {
      cwd,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ passed: 1, failed: 2, total: 3 });
    const [wrong, unanswered, expected] = report.cases;
    expect(wrong.failures.join("\n")).toContain('to contain "goodbye"');
    expect(wrong.failures.join("\n")).toContain("tool_calls count");
    expect(unanswered.failures).toEqual([
      expect.stringContaining("expected success, got interrupted"),
    ]);
    expect(expected.passed).toBe(true);
    expect(readFileSync(path.join(cwd, "out/fail.xml"), "utf-8")).toMatch(
      /failures="2"[\s\S]*<failure message=/,
    );
  });

  it("skips (never passes) the cases of a file whose requires_env is unset, and runs them once set", async () => {
    const cwd = project();
    const file = path.join(cwd, "needs-env/service.scenario.yaml");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      [
        "graph: agent",
        "requires_env: [OLG_SCENARIO_SERVICE_KEY]",
        "cases:",
        "  - name: echoes when the service is configured",
        "    input: { messages: [{ role: user, content: ping } ] }",
        '    expect: { output: { "messages[-1].content": { contains: ping } } }',
        "",
      ].join("\n"),
    );
    const skipped = await olg(
      ["test", "needs-env/service.scenario.yaml", "--json", "--junit", "out/skip.xml"],
      { cwd, env: { OLG_SCENARIO_SERVICE_KEY: "" } },
    );
    expect(skipped.code, skipped.stderr).toBe(0);
    const report = JSON.parse(skipped.stdout);
    expect(report).toMatchObject({ passed: 0, failed: 0, skipped: 1, total: 1 });
    expect(report.cases[0].skipped).toContain("OLG_SCENARIO_SERVICE_KEY");
    expect(report.cases[0].passed).toBe(false);
    expect(readFileSync(path.join(cwd, "out/skip.xml"), "utf-8")).toMatch(
      /skipped="1"[\s\S]*<skipped message="set OLG_SCENARIO_SERVICE_KEY/,
    );
    const plain = await olg(["test", "needs-env/service.scenario.yaml"], {
      cwd,
      env: { OLG_SCENARIO_SERVICE_KEY: "" },
    });
    expect(plain.stdout).toMatch(/^0 passed, 0 failed, 1 skipped$/m);
    // Nothing to run, so nothing booted (the in-process server starts before the first case).
    expect(plain.stderr).not.toContain("Starting the graphs in process");
    const ran = await olg(["test", "needs-env/service.scenario.yaml", "--json"], {
      cwd,
      env: { OLG_SCENARIO_SERVICE_KEY: "set" },
    });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ passed: 1, failed: 0, skipped: 0, total: 1 });
  });

  it("exits 2 for an invalid scenario file or no scenarios", async () => {
    const cwd = project();
    writeFileSync(
      path.join(cwd, "bad.yaml"),
      "graph: agent\ncases:\n  - name: x\n    expect: { colour: red }\n",
    );
    const bad = await olg(["test", "bad.yaml"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cases.0.expect");
    const none = await olg(["test", "--filter", "x", "no-such-dir"], { cwd });
    expect(none.code).toBe(2);
  });

  it("records a provider's answers, then replays them with the provider gone", async () => {
    const cwd = project();
    let calls = 0;
    const provider: Server = createServer((req, res) => {
      calls++;
      req.resume();
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ answer: `Paris (answer ${calls})` }));
      });
    });
    await new Promise<void>((r) => provider.listen(0, "127.0.0.1", () => r()));
    const port = (provider.address() as { port: number }).port;
    const env = { PROVIDER_URL: `http://127.0.0.1:${port}` };
    try {
      const recorded = await olg(["test", "recorded/remote.scenario.yaml", "--record"], {
        cwd,
        env,
      });
      expect(recorded.code).toBe(0);
      expect(calls).toBe(1);
    } finally {
      await new Promise((r) => provider.close(r));
    }
    const cassette = path.join(cwd, "recorded/__recordings__/remote.scenario.yaml.json");
    expect(JSON.parse(readFileSync(cassette, "utf-8")).recordings).toHaveLength(1);
    // Both only read the cassette: they run at the same time.
    const [replayed, missing] = await Promise.all([
      olg(["test", "recorded/remote.scenario.yaml", "--model", "recorded"], { cwd, env }),
      olg(["test", "recorded/remote.scenario.yaml", "--model", "recorded"], {
        cwd,
        env: { PROVIDER_URL: "http://127.0.0.1:9/elsewhere" },
      }),
    ]);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/1 passed, 0 failed/);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("no recording for POST");
  });

  it("re-runs on change in watch mode", async () => {
    const cwd = project();
    const file = path.join(cwd, "tests/agent.scenario.yaml");
    const child = spawnOlg(["test", "--watch", "tests/agent.scenario.yaml", "-t", "echoes"], {
      cwd,
    });
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
    });
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 240_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`watch output never matched ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    try {
      await until(/1 passed, 0 failed/);
      writeFileSync(
        file,
        readFileSync(file, "utf-8").replace('contains: "hello there"', 'contains: "nope"'),
      );
      await until(/0 passed, 1 failed/);
    } finally {
      await killOlg(child);
    }
  });
});

describe("olg test --url (against a running server)", { timeout: 600_000 }, () => {
  let server: TestServer;
  const cwd = projectCopy();
  beforeAll(async () => {
    server = await startServer({
      backend: "pglite",
      config: path.join(FIXTURE, "open_langgraph.json"),
    });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    cleanupTemp(cwd);
  });

  it("runs the matching cases through the server's API", async () => {
    const r = await olg(["test", "--url", server.url, "-t", "weather", "--json"], { cwd });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.total).toBe(1);
    expect(report.cases[0].name).toBe("calls the weather tool");
    expect(existsSync(path.join(cwd, ".olg"))).toBe(false); // nothing started in process
  });
});
