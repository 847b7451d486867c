/**
 * Unit: the run event log between the embedded default's threads (`src/stream/port-log.ts`) over a
 * real `MessageChannel` into a real in-memory log: events arrive in order with their data as JSON
 * values, `flush` resolves only once every earlier event is readable, reads from the executor side
 * are forwarded (replay after an id, then live until complete), and a closed port ends them.
 */
import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRunEventLog } from "../../src/stream/memory-log.ts";
import { PortRunEventLog, serveRunEventLog } from "../../src/stream/port-log.ts";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

function pair() {
  const channel = new MessageChannel();
  const host = new MemoryRunEventLog();
  serveRunEventLog(channel.port1, host);
  const executor = new PortRunEventLog(channel.port2);
  open.push(
    { close: () => void host.close() },
    { close: () => channel.port1.close() },
    { close: () => channel.port2.close() },
  );
  return { host, executor, channel };
}

async function collect(it: AsyncIterable<{ id: string; event: string; data: unknown }>) {
  const out: { id: string; event: string; data: unknown }[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe("PortRunEventLog", () => {
  it("flush resolves once every earlier event is in the host's log, in order", async () => {
    const { host, executor } = pair();
    await executor.open("r1", { resumable: true });
    for (let i = 0; i < 50; i++)
      await executor.append("r1", { event: "values", data: { i, at: new Date(0) } });
    await executor.flush();
    await executor.complete("r1");
    await executor.flush();
    const events = await collect(host.read("r1", { lastEventId: "-1" }));
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    // Data crosses as JSON (as the SQL log hands it back): a Date becomes its ISO text.
    expect(events[3]!.data).toEqual({ i: 3, at: "1970-01-01T00:00:00.000Z" });
    expect(await executor.has("r1")).toBe(true);
    expect(await executor.has("unknown")).toBe(false);
  });

  it("forwards reads from the executor side: replay after an id, then live until complete", async () => {
    const { executor } = pair();
    await executor.open("r2", { resumable: true });
    await executor.append("r2", { event: "metadata", data: { run_id: "r2" } });
    await executor.append("r2", { event: "values", data: 1 });
    await executor.flush();
    const reading = collect(executor.read("r2", { lastEventId: "0" }));
    await executor.append("r2", { event: "values", data: 2 });
    await executor.complete("r2");
    const events = await reading;
    expect(events).toEqual([
      { id: "1", event: "values", data: 1 },
      { id: "2", event: "values", data: 2 },
    ]);
  });

  it("an aborted read stops, and a closed port ends the reads it served", async () => {
    const { executor, channel } = pair();
    await executor.open("r3", { resumable: true });
    const stop = new AbortController();
    const aborted = collect(executor.read("r3", { lastEventId: "-1", signal: stop.signal }));
    await executor.append("r3", { event: "values", data: "a" });
    await executor.flush();
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await aborted).toEqual([{ id: "0", event: "values", data: "a" }]);
    // The channel closes (a thread is gone): the executor side's read ends after what it got.
    const reading = collect(executor.read("r3", { lastEventId: "-1" }));
    await new Promise((r) => setTimeout(r, 20));
    channel.port1.close();
    const outcome = await Promise.race([
      reading.then((events) => events.length),
      new Promise((r) => setTimeout(r, 2000, "hung")),
    ]);
    expect(outcome).toBe(1);
  });
});
