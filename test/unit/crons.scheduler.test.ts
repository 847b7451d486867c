/** The scheduler loop against a fake firing port: timer to the next tick, NOTIFY wake-ups, back-off. */
import { afterEach, describe, expect, it } from "vitest";
import { type CronFiring, CronScheduler } from "../../src/crons/scheduler.ts";
import { CHANNEL_CRONS } from "../../src/crons/service.ts";
import { createLogger } from "../../src/logging/logger.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger({ level: "silent", pretty: false });

/** A fake crons service: ticks due at absolute times; `held` ticks are "locked by another replica". */
class FakeCrons implements CronFiring {
  due: number[] = [];
  held = false;
  fired: number[] = [];
  calls = 0;
  fireDue = async () => {
    this.calls++;
    if (this.held) return 0;
    const now = Date.now();
    const ready = this.due.filter((t) => t <= now);
    this.due = this.due.filter((t) => t > now);
    this.fired.push(...ready);
    return ready.length;
  };
  msUntilNextDue = async () => (this.due.length ? Math.min(...this.due) - Date.now() : null);
}

function harness(crons: FakeCrons) {
  let listener: ((payload: string) => void) | undefined;
  let channel = "";
  const scheduler = new CronScheduler({
    crons,
    logger,
    listen: async (ch, fn) => {
      channel = ch;
      listener = fn;
      return async () => {
        listener = undefined;
      };
    },
    maxSleepMs: 10_000,
    contendedMs: 100,
  });
  return { scheduler, notify: () => listener?.("x"), channel: () => channel };
}

let running: CronScheduler | undefined;
afterEach(async () => {
  await running?.stop();
});

describe("CronScheduler", () => {
  it("sleeps until the next tick and fires it without polling in between", async () => {
    const crons = new FakeCrons();
    crons.due = [Date.now() + 150, Date.now() + 300];
    const h = harness(crons);
    running = h.scheduler;
    await h.scheduler.start();
    expect(h.channel()).toBe(CHANNEL_CRONS);
    await sleep(450);
    expect(crons.fired).toHaveLength(2);
    // start + one wake per tick (+1 margin); a poller would have called far more often
    expect(crons.calls).toBeLessThanOrEqual(6);
  });

  it("a NOTIFY wakes it for a cron created while it sleeps long", async () => {
    const crons = new FakeCrons();
    const h = harness(crons);
    running = h.scheduler;
    await h.scheduler.start(); // nothing scheduled: sleeps maxSleepMs (10 s)
    await sleep(50);
    crons.due = [Date.now() + 100];
    h.notify();
    await sleep(300);
    expect(crons.fired).toHaveLength(1);
  });

  it("backs off briefly while another replica holds a due tick", async () => {
    const crons = new FakeCrons();
    crons.due = [Date.now() - 10];
    crons.held = true;
    const h = harness(crons);
    running = h.scheduler;
    await h.scheduler.start();
    await sleep(350);
    // contended back-off of 100 ms: a few looks, not a tight loop
    expect(crons.calls).toBeGreaterThanOrEqual(2);
    expect(crons.calls).toBeLessThanOrEqual(6);
    crons.held = false;
    await sleep(250);
    expect(crons.fired).toHaveLength(1);
  });

  it("stops waking after stop()", async () => {
    const crons = new FakeCrons();
    const h = harness(crons);
    await h.scheduler.start();
    await h.scheduler.stop();
    crons.due = [Date.now()];
    h.notify();
    await sleep(100);
    expect(crons.fired).toHaveLength(0);
  });
});
