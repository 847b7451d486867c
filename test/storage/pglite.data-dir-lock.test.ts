/**
 * A PGlite data folder is single-process: a second process that opens it while another holds it
 * (`olg keys create` or `olg org create` beside a running `olg dev`, a second server) is refused with
 * a message naming the folder and the holder's pid, instead of writing rows the first process never
 * sees (the key it printed was then refused with 401) and may overwrite. A folder whose holder
 * ended without closing it (killed) opens again.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { openStorage } from "../../src/storage/open.ts";

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), "olg-lock-"));
const dataDir = path.join(root, "data");
const script = path.join(root, "open.mts");
writeFileSync(
  script,
  `import { openStorage } from ${JSON.stringify(path.resolve("src/storage/open.ts"))};
try {
  const h = await openStorage({ databaseUrl: null, dataDir: process.argv[2] });
  if (process.argv[3] === "crash") { console.log("opened"); process.kill(process.pid, "SIGKILL"); }
  await h.close();
  console.log("opened");
} catch (error) {
  console.log("refused: " + error.message);
}
`,
);

/** Opens `dataDir` in another process; its one line of output. */
async function openElsewhere(mode = ""): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, dataDir, mode], {
    timeout: 60_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  return stdout.trim();
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("PGlite data folder: one process at a time", () => {
  it("is refused to a second process while held (naming folder and pid), free after close, and after a holder killed without closing", async () => {
    const held: StorageHandle = await openStorage({ databaseUrl: null, dataDir });
    try {
      const answer = await openElsewhere();
      expect(answer).toMatch(/^refused: /);
      expect(answer).toContain(dataDir);
      expect(answer).toContain(String(process.pid));
    } finally {
      await held.close();
    }
    // Free after close: the other process opens it, then dies holding it (SIGKILL, no close).
    expect(await openElsewhere("crash")).toBe("opened");
    const again = await openStorage({ databaseUrl: null, dataDir });
    await again.close();
  }, 120_000);
});
