/**
 * Logs: the server's recent lines, then live ones, from the admin log feed
 * (`/admin/api/logs/stream`, the feed `olg logs` reads), filtered on the server by minimum level,
 * run id, thread id and text. Needs the `admin:logs` (or `admin`) permission when auth is on.
 */
import { useEffect, useState } from "react";
import { Badge, Button, Card, ErrorBanner, Field, PageTitle, Select } from "../components/ui.tsx";
import { messageOf, statusOf } from "../lib/client.ts";
import { readSse } from "../lib/sse.ts";

interface LogLine {
  seq: number;
  time: number;
  level: number;
  msg?: string;
  [key: string]: unknown;
}

const LEVELS: [string, string][] = [
  ["trace", "trace"],
  ["debug", "debug"],
  ["info", "info"],
  ["warn", "warn"],
  ["error", "error"],
  ["fatal", "fatal"],
];
const NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
const HIDDEN = new Set(["seq", "time", "level", "msg", "pid", "hostname", "v"]);
const KEEP = 1000;

interface Filter {
  level: string;
  run_id: string;
  thread_id: string;
  grep: string;
}

/** The logs page. */
export function LogsPage() {
  const [draft, setDraft] = useState<Filter>({
    level: "info",
    run_id: "",
    thread_id: "",
    grep: "",
  });
  const [filter, setFilter] = useState<Filter>(draft);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    const q = new URLSearchParams({ limit: "200" });
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    setLines([]);
    setError(null);
    (async () => {
      try {
        setLive(true);
        for await (const m of readSse(`/admin/api/logs/stream?${q}`, abort.signal)) {
          if (m.event !== "log") continue;
          const line = m.data as LogLine;
          setLines((all) => [...all.slice(-(KEEP - 1)), line]);
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        const status = statusOf(e);
        setError(
          status === 403
            ? 'Reading logs needs the "admin:logs" (or "admin") permission.'
            : messageOf(e),
        );
      } finally {
        if (!abort.signal.aborted) setLive(false);
      }
    })();
    return () => abort.abort();
  }, [filter]);
  return (
    <div className="flex flex-col gap-4">
      <PageTitle actions={<Badge value={live ? "live" : "stopped"} />}>Logs</PageTitle>
      <Card title="Filter">
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter(draft);
          }}
        >
          <Select
            label="Minimum level"
            value={draft.level}
            onChange={(e) => setDraft({ ...draft, level: e.target.value })}
            options={LEVELS}
          />
          <Field
            label="Run id"
            value={draft.run_id}
            onChange={(e) => setDraft({ ...draft, run_id: e.target.value })}
          />
          <Field
            label="Thread id"
            value={draft.thread_id}
            onChange={(e) => setDraft({ ...draft, thread_id: e.target.value })}
          />
          <Field
            label="Text"
            value={draft.grep}
            onChange={(e) => setDraft({ ...draft, grep: e.target.value })}
          />
          <Button type="submit">Apply</Button>
        </form>
      </Card>
      <ErrorBanner error={error} />
      <Card title={`Lines (${lines.length})`}>
        <ol
          className="flex flex-col font-mono text-xs"
          aria-label="Log lines"
          data-testid="log-lines"
        >
          {lines.map((l) => (
            <li
              key={l.seq}
              className="border-b border-slate-100 py-1"
              data-level={NAMES[l.level] ?? l.level}
            >
              <span className="text-slate-600">{new Date(l.time).toISOString().slice(11, 23)}</span>{" "}
              <span className="font-semibold">{NAMES[l.level] ?? l.level}</span>{" "}
              <span>{l.msg}</span>{" "}
              <span className="break-all text-slate-600">
                {Object.entries(l)
                  .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
                  .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
                  .join(" ")}
              </span>
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}
