/** Black-box: cron CRUD through the SDK (create thread/stateless, search, count, update, delete, errors). */
import { randomUUID } from "node:crypto";
import type { Cron } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

/** Local wall-clock parts of an instant in a zone (independent of the server's maths). */
function wall(iso: string, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value;
  return { weekday: get("weekday"), time: `${get("hour")}:${get("minute")}:${get("second")}` };
}

describe.each(sharedServers())("crons CRUD ($backend)", ({ client, url }) => {
  it("/info says crons work", async () => {
    const info = (await (await fetch(`${url}/info`)).json()) as { flags: { crons: boolean } };
    expect(info.flags.crons).toBe(true);
  });

  it("creates a stateless cron (graph id resolved, defaults, payload verbatim)", async () => {
    const tag = randomUUID();
    const before = Date.now();
    const cron = await client.crons.create("runs_steps", {
      schedule: "0 0 1 1 *",
      input: { delay_ms: 1, inputs: ["x"] },
      metadata: { tag },
      config: { tags: ["t1"] },
    });
    expect(cron.cron_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cron.assistant_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cron.thread_id).toBeNull();
    expect(cron.schedule).toBe("0 0 1 1 *");
    expect(cron.user_id).toBeNull();
    expect(cron.end_time).toBeNull();
    expect(cron.metadata).toEqual({ tag });
    expect(cron.payload).toMatchObject({
      assistant_id: cron.assistant_id,
      input: { delay_ms: 1, inputs: ["x"] },
      metadata: { tag },
      config: { tags: ["t1"] },
    });
    const full = cron as Cron;
    expect(full.enabled).toBe(true);
    expect(full.on_run_completed).toBe("delete");
    expect(full.timezone).toBeNull();
    const next = new Date(cron.next_run_date);
    expect(next.getUTCMonth()).toBe(0);
    expect(next.getUTCDate()).toBe(1);
    expect(next.toISOString().slice(11)).toBe("00:00:00.000Z");
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime() - before).toBeLessThanOrEqual(366 * 86_400_000);
  });

  it("creates a thread cron in a time zone; next_run_date is local 09:30 on a weekday", async () => {
    const thread = await client.threads.create();
    const cron = (await client.crons.createForThread(thread.thread_id, "runs_steps", {
      schedule: "30 9 * * 1-5",
      timezone: "Europe/Berlin",
      input: { delay_ms: 1 },
    })) as unknown as Cron;
    expect(cron.thread_id).toBe(thread.thread_id);
    expect(cron.timezone).toBe("Europe/Berlin");
    const local = wall(cron.next_run_date!, "Europe/Berlin");
    expect(local.time).toBe("09:30:00");
    expect(["Mon", "Tue", "Wed", "Thu", "Fri"]).toContain(local.weekday);
    expect(new Date(cron.next_run_date!).getTime()).toBeGreaterThan(Date.now());
  });

  it("searches and counts with filters, sort, paging and select", async () => {
    const tag = randomUUID();
    const thread = await client.threads.create();
    const a = await client.crons.create("runs_steps", { schedule: "0 3 * * *", metadata: { tag } });
    const b = await client.crons.createForThread(thread.thread_id, "runs_steps", {
      schedule: "0 1 * * *",
      metadata: { tag },
    });
    const c = await client.crons.create("agent", {
      schedule: "0 2 * * *",
      metadata: { tag },
      enabled: false,
    });
    const mine = (q: Parameters<typeof client.crons.search>[0] = {}) =>
      client.crons.search({ metadata: { tag }, ...q });

    expect((await mine()).map((x) => x.cron_id).sort()).toEqual(
      [a.cron_id, b.cron_id, c.cron_id].sort(),
    );
    expect(await client.crons.count({ metadata: { tag } })).toBe(3);
    expect((await mine({ threadId: thread.thread_id })).map((x) => x.cron_id)).toEqual([b.cron_id]);
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(1);
    expect((await mine({ assistantId: c.assistant_id })).map((x) => x.cron_id)).toEqual([
      c.cron_id,
    ]);
    expect(await client.crons.count({ assistantId: c.assistant_id, metadata: { tag } })).toBe(1);
    expect((await mine({ enabled: false })).map((x) => x.cron_id)).toEqual([c.cron_id]);

    const byNext = await mine({ sortBy: "next_run_date", sortOrder: "asc" });
    const expected = [a, b, c]
      .sort((x, y) => Date.parse(x.next_run_date) - Date.parse(y.next_run_date))
      .map((x) => x.cron_id);
    expect(byNext.map((x) => x.cron_id)).toEqual(expected);
    const byCreatedDesc = await mine({ sortBy: "created_at", sortOrder: "desc" });
    expect(byCreatedDesc.map((x) => x.cron_id)).toEqual([c.cron_id, b.cron_id, a.cron_id]);
    const page = await mine({ sortBy: "created_at", sortOrder: "asc", limit: 1, offset: 1 });
    expect(page.map((x) => x.cron_id)).toEqual([b.cron_id]);

    const selected = await mine({ select: ["cron_id", "schedule", "enabled"], sortBy: "cron_id" });
    expect(selected).toHaveLength(3);
    for (const row of selected)
      expect(Object.keys(row).sort()).toEqual(["cron_id", "enabled", "schedule"]);
  });

  it("updates schedule, time zone, enabled, end_time (null clears) and payload fields", async () => {
    const tag = randomUUID();
    const cron = await client.crons.create("runs_steps", {
      schedule: "0 0 1 1 *",
      input: { inputs: ["old"] },
      metadata: { tag },
    });
    const end = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const updated = await client.crons.update(cron.cron_id, {
      schedule: "15 6 * * *",
      timezone: "America/New_York",
      enabled: false,
      endTime: end,
      input: { inputs: ["new"] },
      onRunCompleted: "keep",
    });
    expect(updated.schedule).toBe("15 6 * * *");
    expect(updated.timezone).toBe("America/New_York");
    expect(updated.enabled).toBe(false);
    expect(updated.on_run_completed).toBe("keep");
    expect(new Date(updated.end_time!).toISOString()).toBe(end);
    expect(updated.payload).toMatchObject({ input: { inputs: ["new"] }, metadata: { tag } });
    expect(wall(updated.next_run_date!, "America/New_York").time).toBe("06:15:00");
    expect(new Date(updated.updated_at).getTime()).toBeGreaterThanOrEqual(
      new Date(cron.updated_at).getTime(),
    );

    const cleared = await client.crons.update(cron.cron_id, { endTime: null });
    expect(cleared.end_time).toBeNull();
    expect(cleared.schedule).toBe("15 6 * * *");
    expect(cleared.enabled).toBe(false);

    // An end time before the next tick: nothing more to run.
    const ended = await client.crons.update(cron.cron_id, {
      endTime: new Date(Date.now() - 1000).toISOString(),
    });
    expect(ended.next_run_date).toBeNull();
    const [found] = await client.crons.search({ metadata: { tag } });
    expect(found?.enabled).toBe(false);
  });

  it("deletes with 204; missing crons are 404", async () => {
    const tag = randomUUID();
    const cron = await client.crons.create("runs_steps", { schedule: "@daily", metadata: { tag } });
    const res = await fetch(`${url}/runs/crons/${cron.cron_id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await client.crons.count({ metadata: { tag } })).toBe(0);
    const again = await fetch(`${url}/runs/crons/${cron.cron_id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    await expect(client.crons.update(cron.cron_id, { enabled: true })).rejects.toThrow("404");
  });

  it("deleting the thread deletes its crons", async () => {
    const thread = await client.threads.create();
    await client.crons.createForThread(thread.thread_id, "runs_steps", { schedule: "@hourly" });
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(1);
    await client.threads.delete(thread.thread_id);
    expect(await client.crons.count({ threadId: thread.thread_id })).toBe(0);
  });

  it("refuses bad schedules, zones, assistants and threads; nothing is written", async () => {
    const tag = randomUUID();
    const post = (path: string, body: Record<string, unknown>) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ assistant_id: "runs_steps", metadata: { tag }, ...body }),
      });
    const badSchedule = await post("/runs/crons", { schedule: "61 * * * *" });
    expect(badSchedule.status).toBe(422);
    expect(await badSchedule.text()).toBe(
      "Invalid cron schedule '61 * * * *': minute value 61 is out of range 0-59",
    );
    const fields = await post("/runs/crons", { schedule: "* * *" });
    expect(fields.status).toBe(422);
    expect(await fields.text()).toContain("expected 5 fields");
    const never = await post("/runs/crons", { schedule: "0 0 30 2 *" });
    expect(never.status).toBe(422);
    expect(await never.text()).toContain("it never fires");
    const zone = await post("/runs/crons", { schedule: "@daily", timezone: "Mars/Olympus" });
    expect(zone.status).toBe(422);
    expect(await zone.text()).toBe("Invalid timezone 'Mars/Olympus': not an IANA time zone");
    const noSchedule = await post("/runs/crons", {});
    expect(noSchedule.status).toBe(400);
    const assistant = await post("/runs/crons", { schedule: "@daily", assistant_id: randomUUID() });
    expect(assistant.status).toBe(404);
    const missingThread = randomUUID();
    const thread = await post(`/threads/${missingThread}/runs/crons`, { schedule: "@daily" });
    expect(thread.status).toBe(404);
    expect(await thread.text()).toBe(`Thread with ID ${missingThread} not found`);
    expect(await client.crons.count({ metadata: { tag } })).toBe(0);

    const ok = await client.crons.create("runs_steps", { schedule: "@daily", metadata: { tag } });
    const patch = await fetch(`${url}/runs/crons/${ok.cron_id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ schedule: "bad" }),
    });
    expect(patch.status).toBe(422);
    const [unchanged] = await client.crons.search({ metadata: { tag } });
    expect(unchanged?.schedule).toBe("@daily");
  });
});
