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
