/**
 * The generative-UI renderer examples (examples/generative-ui: React, Vue, Svelte) in chromium
 * against our server running the `genui` graph (fake model, no network). Each app is served as
 * static files from its `dist` (built when stale) by a small HTTP server of this file on its own
 * origin, and talks to our server across origins through the SDK.
 * Per framework: the run streams; the `progress` component is updated in place through steps
 * 1, 2, 3 (recorded by a MutationObserver as they render); the `forecast` card shows the city; the
 * `approval` component's "Approve" sends `Command({ resume })` and the same component turns
 * "approved" while the server's thread state (`values.ui`) says so too. Screenshots at 1280x800 and
 * narrow; axe-core finds no serious violation.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureExample, FRAMEWORKS, GENUI_ROOT } from "../../examples/generative-ui/build.ts";
import { type AdminSession, axeSerious, openAdmin, shoot } from "../support/browser.ts";

let s: AdminSession;
let page: Page;
let statics: { origin: string; close(): Promise<void> } | undefined;

/**
 * Serves `<framework>/dist/*` of the examples on 127.0.0.1 (another origin than the API's: the apps
 * call it across origins, as a user's app would).
 */
async function serveExamples(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const [framework, ...rest] = url.pathname.slice(1).split("/");
    const file = path.join(GENUI_ROOT, framework ?? "", "dist", ...rest);
    const known = (FRAMEWORKS as readonly string[]).includes(framework ?? "");
    const body = known && !rest.includes("..") ? await readFile(file).catch(() => null) : null;
    if (!body) return void res.writeHead(404).end();
    const type = file.endsWith(".js")
      ? "text/javascript"
      : file.endsWith(".css")
        ? "text/css"
        : "text/html";
    res.writeHead(200, { "Content-Type": type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  // One build at a time: the machine is small, and each is a few seconds.
  for (const framework of FRAMEWORKS) await ensureExample(framework);
  s = await openAdmin({
    config: "examples/generative-ui/open_langgraph.json",
    // Slow enough steps that every progress update renders on its own.
    env: { GENUI_STEP_MS: "250" },
  });
  page = s.page;
  statics = await serveExamples();
  // Records every step the progress component shows, as it renders.
  await s.context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __steps: string[] }).__steps = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll("[data-testid=progress]")) {
        const step = el.getAttribute("data-step") ?? "";
        if (seen.at(-1) !== step) seen.push(step);
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
}, 300_000);

afterAll(async () => {
  await s?.close();
  await statics?.close();
});

async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.server.url}${route}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

type UiMsg = { name: string; props: Record<string, unknown> };

describe.each(FRAMEWORKS)("generative UI: %s renderer", (framework) => {
  it("streams typed components, updates them in place, and answers with a command", async () => {
    await page.goto(
      `${statics!.origin}/${framework}/index.html?api=${encodeURIComponent(s.server.url)}`,
    );
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toContain("Generative UI");
    await page.getByLabel("Ask").fill("Weather in Porto");
    await page.getByRole("button", { name: "Send" }).click();

    const approval = page.getByTestId("approval");
    await expect.poll(() => approval.getAttribute("data-status")).toBe("pending");
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("waiting for you");
    // One progress component, updated in place through every step while the run streamed.
    expect(await page.getByTestId("progress").count()).toBe(1);
    expect(await page.getByTestId("progress").getAttribute("data-step")).toBe("3");
    const steps = await page.evaluate(() => (window as unknown as { __steps: string[] }).__steps);
    expect(steps).toEqual(["0", "1", "2", "3"]);
    const forecast = page.getByTestId("forecast");
    expect(await forecast.getByRole("heading").textContent()).toBe("Forecast for Porto");
    expect(await forecast.locator("tbody tr").count()).toBe(3);
    await shoot(page, `genui-${framework}`);
    expect(await axeSerious(page)).toEqual([]);

    // The UI action goes back to the graph: the same component turns approved.
    const [thread] = await api<{ thread_id: string; status: string }[]>("POST", "/threads/search", {
      limit: 1,
      sort_by: "created_at",
      sort_order: "desc",
    });
    expect(thread?.status).toBe("interrupted");
    await approval.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => approval.getAttribute("data-status")).toBe("approved");
    expect(await page.getByTestId("approval").count()).toBe(1);
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("idle");
    const state = await api<{ values: { ui: UiMsg[]; messages: { content: string }[] } }>(
      "GET",
      `/threads/${thread!.thread_id}/state`,
    );
    expect(state.values.ui.map((m) => m.name)).toEqual(["progress", "forecast", "approval"]);
    expect(state.values.ui[2]?.props).toEqual({
      question: "Send the Porto forecast to the team?",
      status: "approved",
    });
    expect(state.values.messages.at(-1)?.content).toBe("Sent.");
    expect((await api<{ status: string }>("GET", `/threads/${thread!.thread_id}`)).status).toBe(
      "idle",
    );
  });
});
