/** The work of `olg test` once its flags are parsed (loaded only when the command runs). */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { resolveTarget, type ServerFlags } from "../client/server.ts";
import { CliError } from "../errors.ts";
import { printJson, say, withSpinner } from "../ui/term.ts";
import { type Cassette, cassettePath, installCassette } from "./cassette.ts";
import { discoverScenarios } from "./discover.ts";
import type { LocalServer } from "./local-server.ts";
import { buildReport, caseLine, junitXml, summaryLine, type TestReport } from "./report.ts";
import { type CaseResult, runCase, type Target } from "./runner.ts";
import { loadScenario, missingEnv, type Scenario, ScenarioError } from "./scenario.ts";

/** Flags of `olg test`. */
export interface TestOptions extends ServerFlags {
  config?: string;
  remote?: boolean;
  model: string;
  record?: boolean;
  filter?: string;
  junit?: string;
  report?: string;
  json?: boolean;
  bail?: boolean;
  logLevel: string;
}

async function loadAll(files: string[]): Promise<Scenario[]> {
  try {
    return await Promise.all(files.map(loadScenario));
  } catch (error) {
    if (error instanceof ScenarioError) throw new CliError(error.message, "usage");
    throw error;
  }
}

async function writeOut(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, text);
}

/** Runs the scenarios and writes the reports; returns the report. */
export async function runTests(paths: string[], o: TestOptions): Promise<TestReport> {
  const cwd = process.cwd();
  const files = await discoverScenarios(cwd, paths).catch((e: Error) => {
    throw new CliError(e.message, "usage");
  });
  if (files.length === 0)
    throw new CliError(
      "no scenario files found",
      "usage",
      "Create tests/<name>.scenario.yaml, or pass paths.",
    );
  const scenarios = await loadAll(files);
  const mode = o.record ? "recorded" : o.model;
  if (!o.remote && mode === "fake") process.env.OLG_MODEL = "fake";
  if (!o.remote && mode !== "fake" && process.env.OLG_MODEL === "fake")
    delete process.env.OLG_MODEL;

  // The in-process server (and the server's modules) start only when a case is about to run: a
  // run whose cases are all skipped or filtered out, or one against --url, never boots it.
  const remote: Target | undefined = o.remote ? resolveTarget(o) : undefined;
  let local: LocalServer | undefined;
  const target = async (): Promise<Target> => {
    if (remote) return remote;
    if (!local) {
      const { startLocalServer } = await import("./local-server.ts");
      local = await withSpinner(
        "Starting the graphs in process",
        () => startLocalServer(o.config, o.logLevel),
        { quiet: o.json },
      );
    }
    return { url: local.url, headers: {} };
  };
  const wanted = (name: string) => !o.filter || name.toLowerCase().includes(o.filter.toLowerCase());
  const started = performance.now();
  const results: CaseResult[] = [];
  try {
    outer: for (const scenario of scenarios) {
      const missing = missingEnv(scenario);
      if (missing.length > 0) {
        for (const c of scenario.cases) {
          if (!wanted(c.name)) continue;
          const result: CaseResult = {
            file: path.relative(cwd, scenario.file),
            scenario: scenario.name ?? path.relative(cwd, scenario.file),
            name: c.name,
            passed: false,
            skipped: `set ${missing.join(", ")} (requires_env) to run it`,
            failures: [],
            durationMs: 0,
            turns: [],
          };
          results.push(result);
          if (!o.json) console.log(caseLine(result));
        }
        continue;
      }
      const cases = scenario.cases.filter((c) => wanted(c.name));
      if (cases.length === 0) continue;
      const to = await target();
      let cassette: Cassette | undefined;
      if (!o.remote && mode === "recorded")
        cassette = await installCassette(
          cassettePath(scenario.file),
          o.record ? "record" : "replay",
          [to.url],
        );
      try {
        for (const c of cases) {
          const result = await runCase(
            to,
            { ...scenario, file: path.relative(cwd, scenario.file) },
            c,
          );
          results.push(result);
          if (!o.json) console.log(caseLine(result));
          if (o.bail && !result.passed) break outer;
        }
      } finally {
        await cassette?.close();
      }
    }
  } finally {
    await local?.close();
  }
  const report = buildReport(results, Math.round(performance.now() - started));
  if (o.junit) await writeOut(o.junit, junitXml(report));
  if (o.report) await writeOut(o.report, `${JSON.stringify(report, null, 2)}\n`);
  if (o.json) printJson(report);
  else {
    console.log(summaryLine(report));
    if (report.total === 0) say.warn("no case matched");
  }
  return report;
}
