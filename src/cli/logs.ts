/**
 * `olg logs`: a running server's recent log lines, then (`--follow`) live ones, from its admin log
 * feed (`/admin/api/logs`). Pretty by default, NDJSON with `--json`. While following, a dropped
 * connection (the dev server restarting) is retried with `Last-Event-ID`.
 */
import type { Command } from "commander";
import { type LogEntry, levelName } from "../logging/feed.ts";
import {
  request,
  resolveTarget,
  type ServerFlags,
  type ServerTarget,
  serverFlags,
} from "./client/server.ts";
import { readSse } from "./client/sse.ts";
import { CliError } from "./errors.ts";
import { examples } from "./help.ts";
import { color, say } from "./ui/term.ts";

interface LogsOptions extends ServerFlags {
  follow?: boolean;
  level?: string;
  run?: string;
  thread?: string;
  grep?: string;
  lines?: number;
  json?: boolean;
}

const FORBIDDEN = 'Reading logs needs the "admin:logs" (or "admin") permission.';
const LEVEL_NAMES = ["trace", "debug", "info", "warn", "error", "fatal"];

function queryOf(o: LogsOptions): string {
  const q = new URLSearchParams();
  if (o.level) q.set("level", o.level);
  if (o.run) q.set("run_id", o.run);
  if (o.thread) q.set("thread_id", o.thread);
  if (o.grep) q.set("grep", o.grep);
  q.set("limit", String(o.lines ?? 100));
  return q.toString();
}

const LEVEL_COLOR: Record<string, (s: string) => string> = {
  trace: color.gray,
  debug: color.blue,
  info: color.green,
  warn: color.yellow,
  error: color.red,
  fatal: (s) => color.bgRed(color.white(s)),
};

const HIDDEN = new Set(["seq", "time", "level", "msg", "pid", "hostname", "v"]);

/** One human-readable line: time, level, message, then the other fields as key=value. */
export function formatEntry(entry: LogEntry): string {
  const time = new Date(entry.time).toISOString().slice(11, 23);
  const name = levelName(entry.level);
  const paint = LEVEL_COLOR[name] ?? ((s: string) => s);
  const fields = Object.entries(entry)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${color.dim(`${k}=`)}${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${color.dim(time)} ${paint(name.toUpperCase().padEnd(5))} ${entry.msg ?? ""} ${fields.join(" ")}`.trimEnd();
}

function print(entry: LogEntry, json: boolean): void {
  process.stdout.write(`${json ? JSON.stringify(entry) : formatEntry(entry)}\n`);
}

async function once(target: ServerTarget, o: LogsOptions): Promise<void> {
  const res = await request(target, `/admin/api/logs?${queryOf(o)}`, {}, FORBIDDEN);
  if (!res.ok)
    throw new CliError(
      `${res.status} ${await res.text()}`,
      res.status === 404 ? "usage" : "failed",
    );
  const body = (await res.json()) as { entries: LogEntry[] };
  for (const entry of body.entries) print(entry, o.json === true);
}

async function follow(target: ServerTarget, o: LogsOptions, signal: AbortSignal): Promise<void> {
  let lastId: string | undefined;
  let connected = false;
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (lastId) headers["last-event-id"] = lastId;
      const res = await request(
        target,
        `/admin/api/logs/stream?${queryOf(o)}`,
        { headers, signal },
        FORBIDDEN,
      );
      if (!res.ok || !res.body)
        throw new CliError(
          `${res.status} ${await res.text()}`,
          res.status === 404 ? "usage" : "failed",
        );
      if (connected && !o.json) say.info("reconnected");
      connected = true;
      for await (const message of readSse(res.body)) {
        if (message.event !== "log") continue;
        lastId = message.id ?? lastId;
        print(JSON.parse(message.data) as LogEntry, o.json === true);
      }
    } catch (error) {
      if (signal.aborted) return;
      // Before the first connection every failure is final; afterwards, wait for the server.
      if (!connected || (error instanceof CliError && error.kind !== "unreachable")) throw error;
    }
    if (signal.aborted) return;
    if (!o.json) say.warn("connection lost; retrying…");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Runs `olg logs`. */
export async function runLogs(o: LogsOptions): Promise<void> {
  if (o.level && !LEVEL_NAMES.includes(o.level))
    throw new CliError(`--level must be one of ${LEVEL_NAMES.join(", ")}`, "usage");
  const target = resolveTarget(o);
  if (!o.follow) return once(target, o);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await follow(target, o, abort.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 5000)
    throw new CliError("--lines must be 0–5000", "usage");
  return n;
};

/** Adds `logs` to the program. */
export function registerLogs(program: Command): void {
  const cmd = serverFlags(program.command("logs"))
    .description("Show a running server's logs (recent lines; --follow for live ones)")
    .option("-f, --follow", "keep streaming new lines (reconnects when the server restarts)")
    .option("-l, --level <level>", `minimum level: ${LEVEL_NAMES.join("|")}`)
    .option("--run <id>", "only lines about this run")
    .option("--thread <id>", "only lines about this thread")
    .option("-g, --grep <text>", "only lines containing this text (case-insensitive)")
    .option("-n, --lines <n>", "recent lines to show first (default 100)", count)
    .option("--json", "one JSON object per line (NDJSON)")
    .action(runLogs);
  examples(cmd, [
    ["olg logs", "the last 100 lines of the server at http://127.0.0.1:2024"],
    ["olg logs -f --level warn", "follow warnings and errors"],
    ["olg logs --run 1ef…", "everything a run logged"],
    [
      "olg logs --url https://agents.example.com --api-key $KEY --json | jq .msg",
      "a remote server, as NDJSON",
    ],
  ]);
}
