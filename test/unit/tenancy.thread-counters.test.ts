/**
 * The run quota counters the executor thread shares with the HTTP thread (no Redis): day counters
 * and admission locks are the host's, whoever asks. BroadcastChannel delivers between instances of
 * one thread as between threads, so host and client meet here; the integration tests
 * (tenancy.quota-paths: cron ticks on the executor thread) cover two real threads.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { hostThreadCounters, ThreadRunCounters } from "../../src/tenancy/thread-counters.ts";

describe("run quota counters shared between threads", () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });
  const pair = () => {
    const name = `test-counters:${randomUUID()}`;
    const host = hostThreadCounters(name);
    const client = new ThreadRunCounters(name);
    closers.push(host.close, () => client.close());
    return { host: host.counters, client };
  };

  it("counts a day's runs in one place, whichever thread takes or refunds them", async () => {
    const { host, client } = pair();
    expect(await host.takeDay("org:a:2026-12-01", 2, 3)).toEqual({ allowed: true, count: 2 });
    expect(await client.takeDay("org:a:2026-12-01", 2, 3)).toEqual({ allowed: false, count: 2 });
    expect(await client.takeDay("org:a:2026-12-01", 1, 3)).toEqual({ allowed: true, count: 3 });
    expect(await host.takeDay("org:a:2026-12-01", 1, 3)).toEqual({ allowed: false, count: 3 });
    await client.refundDay("org:a:2026-12-01", 1);
    expect(await host.takeDay("org:a:2026-12-01", 1, 3)).toEqual({ allowed: true, count: 3 });
  });

  it("serializes admissions of one org across threads: a lock waits for the other's release", async () => {
    const { host, client } = pair();
    const order: string[] = [];
    const releaseHost = await host.lock("org:a");
    const clientTurn = client.lock("org:a").then((release) => {
      order.push("client");
      return release;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    order.push("host releases");
    await releaseHost();
    const releaseClient = await clientTurn;
    expect(order).toEqual(["host releases", "client"]);
    // Held by the client now: the host waits until the client releases.
    let hostHas = false;
    const hostAgain = host.lock("org:a").then((r) => {
      hostHas = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(hostHas).toBe(false);
    await releaseClient();
    await (await hostAgain)();
    expect(hostHas).toBe(true);
    // Another org's lock is independent.
    await (await client.lock("org:b"))();
  });
});
