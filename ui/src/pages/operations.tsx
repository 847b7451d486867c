/**
 * Operations at a glance, from the server's own `/metrics` (scraped every 5 s): queue depth and the
 * oldest wait, runs running and pending, run error rate and p95 run time, HTTP 5xx rate and p95
 * latency, threads by status. Rates and p95 cover the server process's lifetime (its counters and
 * histograms since start).
 */
import { Card, ErrorBanner, PageTitle } from "../components/ui.tsx";
import { apiFetch } from "../lib/client.ts";
import { duration } from "../lib/format.ts";
import { usePoll } from "../lib/poll.ts";
import { buckets, delta, parseMetrics, quantile, type Sample, sum } from "../lib/prom.ts";

interface Figures {
  queueDepth: number;
  oldestWait: number;
  running: number;
  pending: number;
  runsFinished: number;
  runErrorRate: number | undefined;
  runP95: number | undefined;
  httpRequests: number;
  http5xxRate: number | undefined;
  httpP95: number | undefined;
  threads: Record<string, number>;
}

function figures(now: Sample[], first: Sample[]): Figures {
  const finished = sum(now, "olg_runs_finished_total") - sum(first, "olg_runs_finished_total");
  const ok =
    sum(now, "olg_runs_finished_total", { outcome: "success" }) -
    sum(first, "olg_runs_finished_total", { outcome: "success" });
  const requests = sum(now, "olg_http_requests_total") - sum(first, "olg_http_requests_total");
  const errors5xx =
    sum(now, "olg_http_request_errors_total", { class: "5xx" }) -
    sum(first, "olg_http_request_errors_total", { class: "5xx" });
  const threads: Record<string, number> = {};
  for (const s of now) if (s.name === "olg_threads") threads[s.labels.status ?? "?"] = s.value;
  const window = (name: string) => delta(buckets(now, name), buckets(first, name));
  return {
    queueDepth: sum(now, "olg_run_queue_depth"),
    oldestWait: sum(now, "olg_run_queue_oldest_wait_seconds"),
    running: sum(now, "olg_runs_current", { status: "running" }),
    pending: sum(now, "olg_runs_current", { status: "pending" }),
    runsFinished: finished,
    runErrorRate: finished > 0 ? (finished - ok) / finished : undefined,
    runP95: quantile(0.95, window("olg_run_duration_seconds")),
    httpRequests: requests,
    http5xxRate: requests > 0 ? errors5xx / requests : undefined,
    httpP95: quantile(0.95, window("olg_http_request_duration_seconds")),
    threads,
  };
}

const pct = (v: number | undefined) => (v == null ? "—" : `${(v * 100).toFixed(1)} %`);
const secs = (v: number | undefined) => (v == null ? "—" : duration(v * 1000));

function Tile({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      data-testid={`tile-${label}`}
    >
      <div className="text-xs font-semibold uppercase text-slate-600">{label}</div>
      <div className="mt-1 text-2xl font-semibold text-slate-900">{value}</div>
      {hint && <div className="mt-1 text-xs text-slate-600">{hint}</div>}
    </div>
  );
}

/** The operations page. */
export function OperationsPage() {
  const scrape = usePoll(async () => {
    const samples = parseMetrics(await (await apiFetch("/metrics")).text());
    return figures(samples, []);
  }, 5000);
  const f = scrape.value;
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Operations</PageTitle>
      <ErrorBanner error={scrape.error && `Metrics unavailable (${scrape.error})`} />
      {f && (
        <>
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
            <Tile
              label="Queue depth"
              value={String(f.queueDepth)}
              hint={`oldest waits ${secs(f.oldestWait)}`}
            />
            <Tile label="Active runs" value={String(f.running)} hint={`${f.pending} pending`} />
            <Tile
              label="Run error rate"
              value={pct(f.runErrorRate)}
              hint={`${f.runsFinished} runs finished`}
            />
            <Tile label="Run p95" value={secs(f.runP95)} />
            <Tile
              label="HTTP 5xx rate"
              value={pct(f.http5xxRate)}
              hint={`${f.httpRequests} requests`}
            />
            <Tile label="HTTP p95" value={secs(f.httpP95)} />
          </div>
          <Card title="Threads by status">
            <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
              {Object.entries(f.threads).map(([status, n]) => (
                <div key={status}>
                  <dt className="text-slate-600">{status}</dt>
                  <dd className="font-semibold">{n}</dd>
                </div>
              ))}
            </dl>
          </Card>
        </>
      )}
    </div>
  );
}
