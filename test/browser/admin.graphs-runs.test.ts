/**
 * The admin UI in a real browser (chromium), on the example graphs with their fake model: `/admin`
 * is served without credentials, the graphs page draws each graph and lights up the nodes of a run
 * live, the runs page starts a run and shows its events as they stream, then lists it; crons are
 * created, rescheduled (a bad schedule is refused, nothing changes), paused and deleted; the store
 * browser lists namespaces and items, puts (invalid JSON stores nothing) and deletes. Screenshots
 * of each page go to artifacts/browser/; axe-core finds no serious violation.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminSession, axeSerious, openAdmin, shoot } from "../support/browser.ts";

let s: AdminSession;
let page: Page;

beforeAll(async () => {
  s = await openAdmin();
  page = s.page;
}, 240_000);

afterAll(async () => {
  await s?.close();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.server.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as T;
}

async function assistantId(graphId: string): Promise<string> {
  const res = await fetch(`${s.server.url}/assistants/search`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ graph_id: graphId, limit: 1 }),
  });
  const [assistant] = (await res.json()) as { assistant_id: string }[];
  return assistant!.assistant_id;
}

describe("admin UI: shell", () => {
  it("serves /admin/ with a strict CSP, redirects /admin, 404s unknown assets", async () => {
    const res = await fetch(`${s.server.url}/admin`, { redirect: "manual" });
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/admin/");
    const doc = await fetch(s.adminUrl);
    expect(doc.status).toBe(200);
    expect(doc.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await doc.text()).toContain('<div id="root">');
    expect((await fetch(`${s.server.url}/admin/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${s.server.url}/admin/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});

describe("admin UI: graphs", () => {
  it("draws the approval graph and lights up its nodes during a run", async () => {
    const id = await assistantId("approval");
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${s.adminUrl}#/graphs/${id}`);
    const canvas = page.getByTestId("graph-canvas");
    for (const name of ["START", "draft", "review", "publish", "END"])
      await expect.poll(() => canvas.getByText(name, { exact: true }).count()).toBe(1);
    await shoot(page, "graphs");
    expect(await axeSerious(page)).toEqual([]);

    await page.getByRole("button", { name: "Run and highlight" }).click();
    await expect
      .poll(() => page.getByTestId("try-status").textContent(), { timeout: 20_000 })
      .toBe("Run interrupted");
    // `draft` ran, `review` stopped on its interrupt, `publish` never started.
    expect(await canvas.locator(".graph-node-done").allTextContents()).toContain("draft");
    expect(await canvas.locator(".graph-node-interrupted").allTextContents()).toEqual(["review"]);
    const touched = await canvas.locator(".graph-node-done, .graph-node-running").allTextContents();
    expect(touched).not.toContain("publish");
    await shoot(page, "graphs-run");
    expect(errors).toEqual([]);
  });
});

describe("admin UI: runs", () => {
  it("starts a run, watches its events stream in, and lists it", async () => {
    await page.goto(`${s.adminUrl}#/runs`);
    await page.getByLabel("Assistant").selectOption({ label: "agent (agent)" });
    await page.getByLabel("Message").fill("hi from the browser");
    await page.getByRole("button", { name: "Start run" }).click();
    const detail = page.getByTestId("run-detail");
    await expect.poll(() => detail.isVisible(), { timeout: 10_000 }).toBe(true);
    const events = page.getByTestId("run-events");
    // The fake model's answer arrives in the values events.
    await expect
      .poll(() => events.textContent(), { timeout: 20_000 })
      .toContain("Open LangGraph example agent");
    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 20_000 })
      .toBe("success");
    expect(await page.getByTestId("stream-state").textContent()).toBe("ended");
    const runId = decodeURIComponent(page.url().split("/").pop()!);
    await expect
      .poll(() => page.locator(`tr[data-run-id="${runId}"]`).count(), { timeout: 10_000 })
      .toBe(1);
    // The table is `POST /runs/search` across threads, filtered by status on the server.
    await page.getByLabel("Run status").selectOption("error");
    await expect.poll(() => page.locator(`tr[data-run-id="${runId}"]`).count()).toBe(0);
    await page.getByLabel("Run status").selectOption("success");
    await expect.poll(() => page.locator(`tr[data-run-id="${runId}"]`).count()).toBe(1);
    await shoot(page, "runs");
    expect(await axeSerious(page)).toEqual([]);
  });
});

interface CronWire {
  cron_id: string;
  schedule: string;
  enabled: boolean;
}

describe("admin UI: crons", () => {
  it("creates, reschedules (refusing a bad schedule), pauses and deletes a cron", async () => {
    await page.goto(`${s.adminUrl}#/crons`);
    await page.getByLabel("Assistant").selectOption({ label: "agent (agent)" });
    await page.getByLabel("Schedule (cron syntax)").fill("0 3 * * *");
    await page.getByRole("button", { name: "Create cron" }).click();
    await expect.poll(() => page.locator("tr[data-cron-id]").count()).toBe(1);
    const [cron] = await api<CronWire[]>("POST", "/runs/crons/search", {});
    expect(cron).toMatchObject({ schedule: "0 3 * * *", enabled: true });
    const row = page.locator(`tr[data-cron-id="${cron!.cron_id}"]`);
    await shoot(page, "crons");
    expect(await axeSerious(page)).toEqual([]);

    const schedule = row.getByRole("textbox");
    await schedule.fill("not a schedule");
    await row.getByRole("button", { name: "Save schedule" }).click();
    await expect.poll(() => page.getByRole("alert").count()).toBeGreaterThan(0);
    expect((await api<CronWire>("GET", `/runs/crons/${cron!.cron_id}`)).schedule).toBe("0 3 * * *");
    await schedule.fill("15 4 * * *");
    await row.getByRole("button", { name: "Save schedule" }).click();
    await expect
      .poll(async () => (await api<CronWire>("GET", `/runs/crons/${cron!.cron_id}`)).schedule)
      .toBe("15 4 * * *");

    await row.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => row.getByText("paused").count()).toBe(1);
    expect((await api<CronWire>("GET", `/runs/crons/${cron!.cron_id}`)).enabled).toBe(false);
    await row.getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.locator("tr[data-cron-id]").count()).toBe(0);
    expect(await api<CronWire[]>("POST", "/runs/crons/search", {})).toEqual([]);
  });
});

describe("admin UI: store", () => {
  /** The stored item (the API answers 200 with null for a missing one). */
  const getItem = (key: string) =>
    api<{ value: unknown } | null>("GET", `/store/items?namespace=admin.notes&key=${key}`);

  it("browses namespaces and items, puts (refusing invalid JSON) and deletes", async () => {
    await api("PUT", "/store/items", {
      namespace: ["admin", "notes"],
      key: "n1",
      value: { text: "hello" },
    });
    await page.goto(`${s.adminUrl}#/store`);
    await page.getByRole("button", { name: "admin.notes" }).click();
    await expect.poll(() => page.locator('tr[data-item-key="n1"]').count()).toBe(1);
    expect(await page.locator('tr[data-item-key="n1"]').textContent()).toContain("hello");

    await page.getByLabel("Item namespace (a.b.c)").fill("admin.notes");
    await page.getByLabel("Key", { exact: true }).fill("n2");
    await page.getByLabel("Item value").fill('{ "text": ');
    await page.getByRole("button", { name: "Put item" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Invalid JSON");
    expect(await getItem("n2")).toBeNull();
    await page.getByLabel("Item value").fill('{ "text": "second" }');
    await page.getByRole("button", { name: "Put item" }).click();
    await expect.poll(() => page.locator('tr[data-item-key="n2"]').count()).toBe(1);
    expect((await getItem("n2"))?.value).toEqual({ text: "second" });
    await shoot(page, "store");
    expect(await axeSerious(page)).toEqual([]);

    await page.locator('tr[data-item-key="n1"]').getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.locator('tr[data-item-key="n1"]').count()).toBe(0);
    expect(await getItem("n1")).toBeNull();
  });
});
