/**
 * Browser tests of the admin UI: Debian's chromium driven by playwright-core, one browser and one
 * server per test file. `openAdmin()` builds `ui/dist` when stale, starts the server on the example
 * graphs (fake model) and the browser; `shoot()` saves a page at 1280x800 and at a narrow width
 * under `artifacts/browser/` (gitignored); `axeSerious()` runs axe-core and returns the serious and
 * critical violations.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { vi } from "vitest";
import { ensureAdminUi } from "../../src/cli/admin-ui-build.ts";
import { guardPid, releasePid } from "./cleanup.ts";
import { ROOT, type StartOptions, startServer, type TestServer } from "./server.ts";

// A page's first paint waits for a cold server on a loaded machine: polls get 15 s, not 1 s.
vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 100 } } });

export const CHROMIUM = process.env.OLG_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
];
export const ARTIFACTS = path.join(ROOT, "artifacts", "browser");
export const EXAMPLE_CONFIG = "examples/basic/open_langgraph.json";

/** The sizes every page is checked at. */
export const VIEWPORTS = {
  wide: { width: 1280, height: 800 },
  narrow: { width: 390, height: 844 },
} as const;

/** A running server and browser. */
export interface AdminSession {
  server: TestServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** `<server>/admin/` */
  adminUrl: string;
  close(): Promise<void>;
}

/** Builds the UI if needed, starts the server (`options`) and chromium on one page. */
export async function openAdmin(options: Partial<StartOptions> = {}): Promise<AdminSession> {
  await ensureAdminUi();
  const server = await startServer({
    backend: "pglite",
    config: EXAMPLE_CONFIG,
    executorThread: true, // the admin UI as users see it: logs forwarded from the executor thread
    ...options,
  });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const pid = (browser as unknown as { process?: () => { pid?: number } }).process?.()?.pid;
    if (pid) guardPid(pid);
    const context = await browser.newContext({ viewport: VIEWPORTS.wide });
    const page = await context.newPage();
    const b = browser;
    return {
      server,
      browser: b,
      context,
      page,
      adminUrl: `${server.url}/admin/`,
      async close() {
        await b.close().catch(() => {});
        if (pid) releasePid(pid);
        await server.stop();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw error;
  }
}

/** Saves `page` at 1280x800 and narrow as `<name>-wide.png` / `<name>-narrow.png`. */
export async function shoot(page: Page, name: string): Promise<string[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const files: string[] = [];
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    const file = path.join(ARTIFACTS, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: false });
    files.push(file);
  }
  await page.setViewportSize(VIEWPORTS.wide);
  return files;
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** axe-core's serious and critical violations on the current page (`id: nodes` summaries). */
export async function axeSerious(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') does not apply.
  await page.evaluate(`${axeSource}\n;window.__axe = axe;`);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { __axe: any }).__axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n: any) => n.target.join(" ")).slice(0, 3),
    }));
  })) as { id: string; impact: string; nodes: string[] }[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.join(", ")}`);
}
