/**
 * The admin UI behind API-key auth, in chromium: the sign-in form (a wrong key is refused, the
 * right one lets in), the log page (live feed filtered by thread id, text and level), the operations
 * page (figures from /metrics), and a read-only key: `GET /admin/me` says viewer, the UI shows it no
 * edit button, and the server refuses its edit anyway (nothing saved).
 * Screenshots go to artifacts/browser/; axe-core finds no serious violation.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminSession, axeSerious, openAdmin, shoot } from "../support/browser.ts";

let s: AdminSession;
let page: Page;

beforeAll(async () => {
  s = await openAdmin({ config: "test/fixtures/admin-ui/open_langgraph.json" });
  page = s.page;
}, 240_000);

afterAll(async () => {
  await s?.close();
});

async function api<T>(method: string, path: string, body?: unknown, key = "admin-key"): Promise<T> {
  const res = await fetch(`${s.server.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", "x-api-key": key },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function signIn(key: string): Promise<void> {
  await page.evaluate(() => localStorage.clear());
  await page.goto(s.adminUrl);
  await page.reload();
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("admin UI: sign-in", () => {
  it("asks for a key, refuses a wrong one, lets the right one in", async () => {
    expect(
      (await fetch(`${s.server.url}/assistants/search`, { method: "POST", body: "{}" })).status,
    ).toBe(401);
    await page.goto(s.adminUrl);
    await expect
      .poll(() => page.getByRole("heading", { name: "Sign in to Open LangGraph" }).count())
      .toBe(1);
    await shoot(page, "sign-in");
    expect(await axeSerious(page)).toEqual([]);
    await page.getByLabel("API key").fill("wrong-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("refused this key");
    await signIn("admin-key");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    // The key is remembered across reloads.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
  });
});

describe("admin UI: logs", () => {
  it("streams the log feed filtered by thread id, text and level", async () => {
    const a = await api<{ thread_id: string }>("POST", "/threads", {});
    const b = await api<{ thread_id: string }>("POST", "/threads", {});
    await api("GET", `/threads/${a.thread_id}`);
    await api("GET", `/threads/${b.thread_id}`);
    await page.goto(`${s.adminUrl}#/logs`);
    const lines = page.getByTestId("log-lines").locator("li");
    await expect.poll(() => lines.count(), { timeout: 10_000 }).toBeGreaterThan(0);

    await page.getByLabel("Thread id").fill(a.thread_id);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(async () => (await lines.allTextContents()).join("\n"))
      .toContain(a.thread_id);
    const before = await lines.count();
    // Live: a new request about thread A shows up without reloading.
    await api("GET", `/threads/${a.thread_id}/state`);
    await expect.poll(() => lines.count(), { timeout: 10_000 }).toBeGreaterThan(before);
    for (const text of await lines.allTextContents()) {
      expect(text).toContain(a.thread_id);
      expect(text).not.toContain(b.thread_id);
    }
    await shoot(page, "logs");
    expect(await axeSerious(page)).toEqual([]);

    await page.getByLabel("Thread id").fill("");
    await page.getByLabel("Text").fill("server listening");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => lines.count()).toBeGreaterThan(0);
    for (const text of await lines.allTextContents()) expect(text).toContain("server listening");

    await page.getByLabel("Text").fill("");
    await page.getByLabel("Minimum level").selectOption("warn");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForTimeout(500);
    const levels = await lines.evaluateAll((els) => els.map((e) => e.getAttribute("data-level")));
    for (const level of levels) expect(["warn", "error", "fatal"]).toContain(level);
  });
});

describe("admin UI: operations", () => {
  it("shows queue, active runs, error rate and p95 from the metrics", async () => {
    const t = await api<{ thread_id: string }>("POST", "/threads", {});
    await api("POST", `/threads/${t.thread_id}/runs/wait`, {
      assistant_id: "agent",
      input: { messages: [{ type: "human", content: "hi" }] },
    });
    await page.goto(`${s.adminUrl}#/operations`);
    await expect
      .poll(() => page.getByTestId("tile-Queue depth").textContent())
      .toMatch(/Queue depth\d+/);
    expect(await page.getByTestId("tile-Active runs").textContent()).toMatch(/Active runs\d+/);
    expect(await page.getByTestId("tile-Run error rate").textContent()).toContain("0.0 %");
    expect(await page.getByTestId("tile-Run p95").textContent()).toMatch(/\d+(\.\d+)? (ms|s)/);
    expect(await page.getByTestId("tile-HTTP p95").textContent()).toMatch(/\d+(\.\d+)? (ms|s)/);
    await shoot(page, "operations");
    expect(await axeSerious(page)).toEqual([]);
  });
});

describe("admin UI: read-only key", () => {
  it("GET /admin/me names the caller's role; 401 without a key", async () => {
    expect((await fetch(`${s.server.url}/admin/me`)).status).toBe(401);
    expect(await api("GET", "/admin/me", undefined, "viewer-key")).toEqual({
      identity: "viewer",
      role: "viewer",
      permissions: ["read"],
    });
    expect(await api("GET", "/admin/me")).toEqual({
      identity: "admin",
      role: "admin",
      permissions: ["read", "write", "admin"],
    });
  });

  it("shows a viewer no edit buttons, and the server refuses the edit anyway", async () => {
    const created = await api<{ assistant_id: string }>("POST", "/assistants", {
      graph_id: "agent",
      name: "locked",
    });
    const thread = await api<{ thread_id: string }>("POST", "/threads", {});
    await api("POST", `/threads/${thread.thread_id}/runs/wait`, {
      assistant_id: "agent",
      input: { messages: [{ type: "human", content: "hi" }] },
    });
    const cron = await api<{ cron_id: string }>("POST", "/runs/crons", {
      assistant_id: "agent",
      schedule: "0 3 * * *",
      input: { messages: [{ type: "human", content: "nightly" }] },
    });
    await signIn("viewer-key");
    await expect.poll(() => page.getByRole("heading", { name: "Graphs" }).count()).toBe(1);
    await expect.poll(() => page.getByTestId("me").textContent()).toContain("viewer");
    // No Logs page for a key without the log permission.
    expect(await page.getByRole("link", { name: "Logs" }).count()).toBe(0);

    // Each page, once its data is shown (the selector), offers no edit action.
    const visits: [hash: string, ready: string][] = [
      [`#/assistants/${created.assistant_id}`, '[data-version="1"]'],
      ["#/assistants", `[data-assistant-id="${created.assistant_id}"]`],
      [`#/threads/${thread.thread_id}`, "[data-checkpoint-id]"],
      ["#/runs", "[data-run-id]"],
      ["#/crons", `[data-cron-id="${cron.cron_id}"]`],
      ["#/store", "text=Namespaces"],
      ["#/graphs", "[data-testid=graph-canvas] .react-flow__node"],
    ];
    const editLabels =
      /^(Save new version|Set active|Create assistant|Edit state|Fork from here|Re-run from here|Resume with this answer|Start run|Create cron|Save schedule|Pause|Resume|Delete|Put item|Run and highlight|Cancel run)$/;
    for (const [hash, ready] of visits) {
      await page.goto(`${s.adminUrl}${hash}`);
      await expect.poll(() => page.locator(ready).count(), { message: hash }).toBeGreaterThan(0);
      const labels = await page.getByRole("button").allTextContents();
      expect(
        labels.filter((l) => editLabels.test(l.trim())),
        hash,
      ).toEqual([]);
    }
    await page.goto(`${s.adminUrl}#/assistants/${created.assistant_id}`);
    await expect
      .poll(() => page.getByLabel("Assistant settings").textContent())
      .toContain("locked");
    await shoot(page, "viewer-assistant");
    expect(await axeSerious(page)).toEqual([]);

    // The server refuses the edit the UI no longer offers: nothing saved.
    const refused = await fetch(`${s.server.url}/assistants/${created.assistant_id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json", "x-api-key": "viewer-key" },
      body: JSON.stringify({ name: "renamed" }),
    });
    expect(refused.status).toBe(403);
    expect(
      await api<{ name: string; version: number }>("GET", `/assistants/${created.assistant_id}`),
    ).toMatchObject({ name: "locked", version: 1 });

    // The admin sees the same page with its edit buttons.
    await signIn("admin-key");
    await page.goto(`${s.adminUrl}#/assistants/${created.assistant_id}`);
    await expect.poll(() => page.getByRole("button", { name: "Save new version" }).count()).toBe(1);
  });
});
