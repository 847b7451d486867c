/**
 * `npm run bench [-- <name>...] [--quick] [--targets=a,b] [--write|--no-write]`.
 * Two kinds of entries, both selectable by name:
 * - suites (`Suite`, bench/lib/suite.ts): measured against each server in turn (official dev
 *   server, ours on PGlite, PostgreSQL, PostgreSQL + Redis), collected into one table with
 *   ratios; a full run writes docs/benchmarks.md;
 * - benchmarks (`Benchmark` below): self-contained, print their own tables (e.g. cache.ts).
 * See bench/README.md to add either.
 */
import path from "node:path";
import { cacheBench } from "./cache.ts";
import { ceilingSuite } from "./ceiling.ts";
import { embeddedBench } from "./embedded.ts";
import { executorBench } from "./executor.ts";
import { httpPathBench } from "./http-path.ts";
import { writeBenchmarksDoc } from "./lib/docs.ts";
import { describeEnvironment } from "./lib/environment.ts";
import { type Column, notes, Results, textTable } from "./lib/report.ts";
import type { Suite, SuiteContext } from "./lib/suite.ts";
import { ROOT, type RunningTarget, TARGETS } from "./lib/targets.ts";
import { manyStreamsSuite } from "./many-streams.ts";
import { memoryBench } from "./memory.ts";
import { metadataSuite } from "./metadata.ts";
import { runsSuite } from "./runs.ts";
import { startupBench } from "./startup.ts";
import { streamLogBench } from "./stream-log.ts";
import { streamingSuite } from "./streaming.ts";
import { tenancyBench } from "./tenancy.ts";

/** A self-contained benchmark that prints its own output. */
export interface Benchmark {
  name: string;
  /** One-line description printed before it runs. */
  description: string;
  run(): Promise<void>;
}

/** Side-by-side suites, in run order (many-streams first: it reads server memory). */
const SUITES: Suite[] = [manyStreamsSuite, metadataSuite, runsSuite, streamingSuite, ceilingSuite];
/** Self-contained benchmarks, run after the suites. */
const BENCHMARKS: Benchmark[] = [
  cacheBench,
  memoryBench,
  startupBench,
  httpPathBench,
  streamLogBench,
  embeddedBench,
  executorBench,
  tenancyBench,
];

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith("--")));
const targetArg = args.find((a) => a.startsWith("--targets="))?.slice("--targets=".length);
const names = args.filter((a) => !a.startsWith("--"));
const known = [...SUITES.map((s) => s.name), ...BENCHMARKS.map((b) => b.name)];
const unknown = names.filter((n) => !known.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; known: ${known.join(", ")}`);
  process.exit(2);
}
const suites = names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;
const benchmarks = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
const quick = flags.has("--quick");
const full = !names.length && !quick && !targetArg;
const write = flags.has("--write") || (full && !flags.has("--no-write"));
const log = (message: string) => process.stderr.write(`${message}\n`);
const ctx: SuiteContext = { log, quick };
let current: RunningTarget | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    log(`bench: ${signal}, stopping the server under test`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });

/** Runs the suites against every available target; returns the collected results. */
async function runSuites(): Promise<{ results: Results; columns: Column[]; skipped: string[] }> {
  const results = new Results();
  const columns: Column[] = [];
  const skipped: string[] = [];
  for (const suite of suites) {
    if (!suite.standalone) continue;
    log(`[context] ${suite.title}`);
    results.context.push(...(await suite.standalone(ctx)));
  }
  for (const spec of TARGETS) {
    const named = targetArg?.split(",").includes(spec.id);
    if (targetArg ? !named : spec.optIn) continue;
    const mine = suites.filter((s) => s.measure && (!s.targets || s.targets.includes(spec.id)));
    if (!mine.length) continue;
    const reason = await spec.unavailable();
    if (reason) {
      skipped.push(`${spec.label}: ${reason}`);
      log(`[${spec.label}] skipped: ${reason}`);
      continue;
    }
    columns.push({ id: spec.id, label: spec.label });
    let target: RunningTarget;
    try {
      target = await spec.start();
    } catch (error) {
      skipped.push(`${spec.label}: failed to start`);
      log(`[${spec.label}] failed to start: ${String(error).slice(0, 2000)}`);
      continue;
    }
    current = target;
    log(`[${spec.label}] pid ${target.pid}, answered after ${target.startSeconds.toFixed(1)} s`);
    try {
      for (const suite of mine) {
        log(`[${spec.label}] ${suite.title}`);
        const t0 = performance.now();
        try {
          results.add(spec.id, (await suite.measure?.(target, ctx)) ?? []);
        } catch (error) {
          log(`[${spec.label}] ${suite.name} failed: ${String(error).slice(0, 1000)}`);
          const note = String(error).slice(0, 300);
          results.add(spec.id, [
            {
              key: `${suite.name}.failed`,
              group: "Failures",
              label: `${suite.title} failed`,
              unit: "",
              better: "none",
              value: null,
              note,
            },
          ]);
        }
        log(`[${spec.label}] ${suite.name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    } finally {
      await target.stop();
      current = undefined;
    }
  }
  return { results, columns, skipped };
}

const started = performance.now();
const env = await describeEnvironment();
log(
  `bench: ${[...suites, ...benchmarks].map((s) => s.name).join(", ")}${quick ? " (quick)" : ""}; load average ${env.loadAverage}`,
);
const { results, columns, skipped } = suites.length
  ? await runSuites()
  : { results: new Results(), columns: [], skipped: [] };
const suiteSeconds = (performance.now() - started) / 1000;
if (suites.length) {
  console.log(textTable(results, columns));
  const errorNotes = notes(results, columns);
  if (errorNotes.length)
    console.log(`\nErrors and caveats:\n${errorNotes.map((n) => `- ${n}`).join("\n")}`);
  console.log(
    `\n× = relative to the first column (the official server unless --targets leaves it out, e.g. PostgreSQL beside MariaDB and SQLite), > 1 means better (${(suiteSeconds / 60).toFixed(1)} min).`,
  );
}
if (write && suites.length) {
  const file = path.join(ROOT, "docs/benchmarks.md");
  const command = `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`;
  writeBenchmarksDoc({ file, env, command, seconds: suiteSeconds, columns, skipped, results });
  console.log(`Wrote ${path.relative(ROOT, file)}.`);
}
for (const bench of benchmarks) {
  console.log(`\n=== ${bench.name}: ${bench.description}`);
  const t0 = Date.now();
  await bench.run();
  console.log(`(${bench.name} took ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`\nTotal: ${(seconds / 60).toFixed(1)} min.`);
process.exit(0);
