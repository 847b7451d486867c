/**
 * The admin UI's thread and assistant pages in chromium, on the example approval graph (fake
 * model): search threads by status and graph, read the conversation and its interrupt, approve it,
 * fork from a checkpoint with edited state, re-run from a checkpoint; edit an assistant (invalid
 * JSON → clear error, nothing saved; valid → new version, set active). Screenshots go to
 * artifacts/browser/; axe-core finds no serious violation.
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
  return (await res.json()) as T;
}

/** A thread of the approval graph stopped on its review interrupt. */
async function interruptedThread(): Promise<string> {
  const { thread_id } = await api<{ thread_id: string }>("POST", "/threads", {
    metadata: { graph_id: "approval", owner: "browser-test" },
  });
  await api("POST", `/threads/${thread_id}/runs/wait`, {
    assistant_id: "approval",
    input: { messages: [{ type: "human", content: "please draft" }] },
  });
  return thread_id;
}

interface HistoryItem {
  checkpoint: { checkpoint_id: string };
  parent_checkpoint: { checkpoint_id: string } | null;
  next: string[];
  values: { messages?: { content: string }[] };
}

describe("admin UI: threads", () => {
  let threadId: string;

  beforeAll(async () => {
    threadId = await interruptedThread();
  });

  it("finds the thread by status and graph, not by another graph", async () => {
    await page.goto(`${s.adminUrl}#/threads`);
    const row = page.locator(`tr[data-thread-id="${threadId}"]`);
    await page.getByLabel("Status").selectOption("interrupted");
    await page.getByLabel("Graph").selectOption("approval");
    await page.getByLabel("Metadata (key=value, …)").fill("owner=browser-test");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => row.count()).toBe(1);
    await shoot(page, "threads");
    expect(await axeSerious(page)).toEqual([]);
    await page.getByLabel("Graph").selectOption("agent");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.getByText("No threads match.").count()).toBe(1);
    expect(await row.count()).toBe(0);
  });

  it("shows the conversation and the interrupt, and approves it", async () => {
    await page.goto(`${s.adminUrl}#/threads/${threadId}`);
    const chat = page.getByTestId("chat");
    await expect.poll(() => chat.textContent()).toContain("please draft");
    expect(await chat.textContent()).toContain("Here is a draft answer");
    const interrupt = page.getByTestId("interrupt");
    expect(await interrupt.textContent()).toContain("Publish this draft?");
    await shoot(page, "thread-interrupted");
    expect(await axeSerious(page)).toEqual([]);
    await page.getByRole("button", { name: "Resume with this answer" }).click();
    await expect.poll(() => chat.textContent(), { timeout: 20_000 }).toContain("Published.");
    expect(await interrupt.count()).toBe(0);
    const state = await api<{ values: { approved: boolean }; next: string[] }>(
      "GET",
      `/threads/${threadId}/state`,
    );
    expect(state.values.approved).toBe(true);
    expect(state.next).toEqual([]);
  });

  it("forks from a checkpoint with edited state, then re-runs from it", async () => {
    await page.goto(`${s.adminUrl}#/threads/${threadId}`);
    const before = await api<HistoryItem[]>("POST", `/threads/${threadId}/history`, { limit: 50 });
    const atReview = before.find((h) => h.next.includes("review"))!;
    const item = page.locator(`li[data-checkpoint-id="${atReview.checkpoint.checkpoint_id}"]`);
    await item.getByRole("button", { name: "Fork from here" }).click();
    const editor = page.getByLabel("Forked state values");
    await editor.fill(
      JSON.stringify({ messages: [{ type: "human", content: "forked question", id: "fork-1" }] }),
    );
    await shoot(page, "thread-fork");
    await page.getByRole("button", { name: "Save fork" }).click();
    const chat = page.getByTestId("chat");
    await expect.poll(() => chat.textContent(), { timeout: 10_000 }).toContain("forked question");
    expect(await chat.textContent()).not.toContain("Published.");
    const after = await api<HistoryItem[]>("POST", `/threads/${threadId}/history`, { limit: 50 });
    const fork = after[0]!;
    expect(fork.parent_checkpoint?.checkpoint_id).toBe(atReview.checkpoint.checkpoint_id);
    expect(fork.next).toEqual(["review"]);

    // Time travel: run again from the fork; `review` interrupts again.
    const runsBefore = await api<unknown[]>("GET", `/threads/${threadId}/runs`);
    const forkItem = page.locator(`li[data-checkpoint-id="${fork.checkpoint.checkpoint_id}"]`);
    await forkItem.getByRole("button", { name: "Re-run from here" }).click();
    await expect.poll(() => page.getByTestId("interrupt").count(), { timeout: 20_000 }).toBe(1);
    expect(await api<unknown[]>("GET", `/threads/${threadId}/runs`)).toHaveLength(
      runsBefore.length + 1,
    );
    await shoot(page, "thread-history");
    expect(await axeSerious(page)).toEqual([]);
  });
});

interface AssistantWire {
  assistant_id: string;
  name: string;
  version: number;
  context: { reviewer?: string; max_drafts?: number };
}

describe("admin UI: assistants", () => {
  let id: string;

  beforeAll(async () => {
    ({ assistant_id: id } = await api<AssistantWire>("POST", "/assistants", {
      graph_id: "approval",
      name: "reviewer-bot",
      context: { reviewer: "ann" },
    }));
  });

  it("lists the assistant", async () => {
    await page.goto(`${s.adminUrl}#/assistants`);
    await expect.poll(() => page.locator(`tr[data-assistant-id="${id}"]`).count()).toBe(1);
    await shoot(page, "assistants");
    expect(await axeSerious(page)).toEqual([]);
  });

  it("refuses invalid JSON and schema violations with a clear error, saving nothing", async () => {
    await page.goto(`${s.adminUrl}#/assistants/${id}`);
    const editor = page.getByLabel("Assistant settings");
    await expect.poll(() => editor.textContent()).toContain("reviewer-bot");
    const save = page.getByRole("button", { name: "Save new version" });
    const errors = page.getByTestId("assistant-errors");

    await editor.fill('{ "name": "broken", ');
    await expect.poll(() => errors.textContent()).toContain("Invalid JSON");
    expect(await save.isDisabled()).toBe(true);
    await shoot(page, "assistant-invalid-json");

    await editor.fill(JSON.stringify({ name: "too-many", context: { max_drafts: 99 } }));
    await expect.poll(() => errors.textContent()).toContain("context.max_drafts");
    expect(await save.isDisabled()).toBe(true);
    await save.click({ force: true }).catch(() => {});

    const stored = await api<AssistantWire>("GET", `/assistants/${id}`);
    expect(stored).toMatchObject({
      name: "reviewer-bot",
      version: 1,
      context: { reviewer: "ann" },
    });
    expect(await api<unknown[]>("POST", `/assistants/${id}/versions`, {})).toHaveLength(1);
  });

  it("saves a valid edit made through the schema's form as a new version, then re-activates v1", async () => {
    await page.reload(); // a fresh page: the previous test left unsaved text in the editor
    const editor = page.getByLabel("Assistant settings");
    await expect.poll(() => editor.textContent()).toContain("reviewer-bot");
    await page.getByLabel("reviewer").fill("bob");
    await expect.poll(() => editor.textContent()).toContain('"bob"');
    await page.getByRole("button", { name: "Save new version" }).click();
    await expect.poll(() => page.getByText("Saved as version 2").count()).toBe(1);
    expect(await api<AssistantWire>("GET", `/assistants/${id}`)).toMatchObject({
      version: 2,
      context: { reviewer: "bob" },
    });
    await shoot(page, "assistant-versions");
    expect(await axeSerious(page)).toEqual([]);

    await page.locator('tr[data-version="1"]').getByRole("button", { name: "Set active" }).click();
    await expect.poll(() => page.getByText("Version 1 is active").count()).toBe(1);
    expect(await api<AssistantWire>("GET", `/assistants/${id}`)).toMatchObject({
      version: 1,
      context: { reviewer: "ann" },
    });
  });
});
