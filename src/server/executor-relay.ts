/**
 * The HTTP thread's relay of what the run executor thread sends besides its life cycle
 * (`executor-thread.ts`): log lines for the admin log feed and answers to metric scrapes.
 */
import type { Worker } from "node:worker_threads";
import type { LogFeed } from "../logging/feed.ts";
import type { MetricJson } from "../metrics/merge.ts";

/**
 * What the threads send besides their life cycle: log lines (kept until the feed is known, at
 * most 2,000) and metric answers (a scrape waits at most 2 s, then uses the last answer: a graph
 * computing without awaiting holds its thread).
 */
export class Relay {
  feed: Pick<LogFeed, "push"> | undefined;
  readonly #early: string[] = [];
  readonly #asked = new Map<number, (m: MetricJson[]) => void>();
  #id = 0;
  #last: MetricJson[] = [];
  /** The counters and histograms of threads stopped because idle (`executor-supervisor.ts`). */
  #retired: MetricJson[] = [];

  line(line: string): void {
    if (this.feed) this.feed.push(line);
    else if (this.#early.length < 2000) this.#early.push(line);
  }

  attach(feed: Pick<LogFeed, "push">): void {
    this.feed = feed;
    for (const line of this.#early.splice(0)) feed.push(line);
  }

  answer(id: number, metrics: MetricJson[]): void {
    this.#last = metrics;
    this.#asked.get(id)?.(metrics);
  }

  /**
   * Keeps the counters and histograms of a thread that stopped because idle (`final`: its last
   * answer), so `/metrics` keeps counting across on-demand starts: the next thread's are added
   * (prom-client sums series of one name and labels). Its gauges go: it holds nothing.
   */
  retire(final: MetricJson[]): void {
    const summable = final.filter((m) => ["counter", "histogram"].includes(String(m.type)));
    this.#retired = addSeries(this.#retired, summable);
    this.#last = [];
  }

  /** What stopped threads counted (see `retire`). */
  get retired(): MetricJson[] {
    return this.#retired;
  }

  ask(w: Worker): Promise<MetricJson[]> {
    if (w.threadId < 0) return Promise.resolve(this.#last);
    const id = ++this.#id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(this.#last), 2000);
      const done = (m: MetricJson[]) => {
        clearTimeout(timer);
        this.#asked.delete(id);
        resolve(m);
      };
      this.#asked.set(id, done);
      w.postMessage({ type: "metrics", id });
    });
  }
}

/** `a` and `b` summed series by series (same metric, same sample name and labels). */
function addSeries(a: MetricJson[], b: MetricJson[]): MetricJson[] {
  const byName = new Map(a.map((m) => [m.name, { ...m, values: [...m.values] }]));
  for (const m of b) {
    const into = byName.get(m.name);
    if (!into) {
      byName.set(m.name, { ...m, values: [...m.values] });
      continue;
    }
    const key = (v: MetricJson["values"][number]) =>
      `${(v as { metricName?: string }).metricName ?? ""}${JSON.stringify(
        Object.entries(v.labels).sort(([x], [y]) => (x < y ? -1 : 1)),
      )}`;
    const index = new Map(into.values.map((v, i) => [key(v), i]));
    for (const v of m.values) {
      const i = index.get(key(v));
      const was = i === undefined ? undefined : into.values[i];
      if (i === undefined || !was) into.values.push(v);
      else into.values[i] = { ...was, value: was.value + v.value };
    }
  }
  return [...byName.values()];
}
