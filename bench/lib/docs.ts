/**
 * Writes docs/benchmarks.md from a finished run. A hand-written section between the markers
 * `<!-- analysis:start -->` and `<!-- analysis:end -->` in the existing file is kept.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Environment } from "./environment.ts";
import { type Column, markdownTables, notes, type Results } from "./report.ts";

const START = "<!-- analysis:start -->";
const END = "<!-- analysis:end -->";

function keptAnalysis(file: string): string {
  if (!existsSync(file)) return `${START}\n${END}`;
  const text = readFileSync(file, "utf-8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  return a >= 0 && b > a ? text.slice(a, b + END.length) : `${START}\n${END}`;
}

/** Everything the document needs. */
export interface DocInput {
  file: string;
  env: Environment;
  command: string;
  seconds: number;
  columns: Column[];
  skipped: string[];
  results: Results;
}

/** Writes the Markdown file. */
export function writeBenchmarksDoc(input: DocInput): void {
  const { env } = input;
  const errorNotes = notes(input.results, input.columns);
  const text = `# Benchmarks: Open LangGraph next to the official server

Written by \`${input.command}\` (\`bench/index.ts\`); do not edit the tables by hand, rerun instead.

- Date: ${env.date}; the side-by-side suites took ${(input.seconds / 60).toFixed(1)} min (the \`cache\` benchmark runs after them and prints its own table)
- Machine: ${env.machine}; load average at start ${env.loadAverage}; \`ulimit -n\` ${env.openFiles}
- Node ${env.node}; ${env.ours}; official: ${env.official} (in-memory dev server, \`startServer\` with 10 workers, as \`langgraphjs dev\`)
- @langchain/langgraph ${env.langgraph}, @langchain/core ${env.core} (shared by both servers); PostgreSQL ${env.postgres}; Redis ${env.redis}
- Both servers log at \`warn\` (no per-request log lines); ours runs with its default 10 workers.
${input.skipped.length ? `- Not measured: ${input.skipped.join("; ")}\n` : ""}
## How it is measured

- Every server runs in its own process, started and stopped by the runner one after the other
  (never two at once), on loopback. Load generators are separate Node processes
  (\`bench/client/*.ts\`), bounded in time: closed-loop keep-alive HTTP clients (a fixed number of
  connections, each sends its next request when the previous answer has been read; a 1–1.5 s
  warm-up is not recorded). Throughput counts answers completed inside the window.
- Streaming: with a fake model that has no delay, the first token arrives in the same network
  read as the first event (\`metadata\`), so the two times coincide.
- Graphs (\`bench/graphs/\`): \`trivial\` (one node), \`chat5\` (five nodes, two of them call
  LangChain's \`FakeListChatModel\`, which streams a 66-character answer one character per
  token, no delay), \`ticker\` (writes a \`custom\` event \`{seq, ts}\` every second, stops after
  two minutes or when cancelled).
- Ratio columns (×) compare ours with the official server: **above 1 means ours is better** (higher
  throughput or lower latency/memory/CPU), whatever the unit.
- Many streams: ten resumable background runs of \`ticker\`; N clients join them
  (\`GET /threads/:tid/runs/:rid/stream\`, N/10 per run): TCP connects in batches of 250, then every
  response head is awaited (30 s deadline; unanswered streams count as errors); then held 8 s. Delivery latency = arrival time minus the \`ts\` the graph wrote (same clock). Memory per
  stream = (server RSS after a forced full GC with the streams open − the same just before
  connecting) / streams held (servers run with \`--expose-gc\` and \`bench/gc-hook.mjs\`). Measured
  on the official server and ours on PostgreSQL (the production setup), to keep the run short.
  CPU = server CPU seconds / wall seconds while holding.
- The machine is shared (other jobs ran at the same time: see the load average), so absolute
  figures are noisy; servers were measured in sequence under the same conditions, and the ratios
  are the more meaningful part. Rerun with \`npm run bench\`; one suite: \`npm run bench -- runs\`.

## Results

${markdownTables(input.results, input.columns)}
${errorNotes.length ? `### Errors and caveats seen during the run\n\n${errorNotes.map((n) => `- ${n}`).join("\n")}\n` : ""}
## Analysis

${keptAnalysis(input.file)}
`;
  mkdirSync(path.dirname(input.file), { recursive: true });
  writeFileSync(input.file, text);
}
