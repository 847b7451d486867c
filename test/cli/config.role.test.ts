/** `olg serve --role`: flag > OLG_ROLE > all; split roles need PostgreSQL; dev is always `all`. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { shutdownDeadlineMs } from "../../src/cli/shutdown.ts";
import { ConfigError, loadSettings } from "../../src/config/load.ts";
import { BIN } from "../support/server.ts";

const dir = mkdtempSync(path.join(tmpdir(), "h17-role-"));
writeFileSync(path.join(dir, "open_langgraph.json"), JSON.stringify({ graphs: {} }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pg = { DATABASE_URL: "postgres://db/olg" };

describe("server role", () => {
  it("defaults to all, and dev is always all", () => {
    expect(loadSettings("serve", {}, {}, dir).role).toBe("all");
    expect(loadSettings("dev", { role: "worker" }, { ...pg, OLG_ROLE: "api" }, dir).role).toBe(
      "all",
    );
  });

  it("takes the flag over OLG_ROLE", () => {
    expect(loadSettings("serve", {}, { ...pg, OLG_ROLE: "worker" }, dir).role).toBe("worker");
    expect(loadSettings("serve", { role: "api" }, { ...pg, OLG_ROLE: "worker" }, dir).role).toBe(
      "api",
    );
  });

  it("refuses an unknown role, naming where it came from", () => {
    expect(() => loadSettings("serve", {}, { ...pg, OLG_ROLE: "queue" }, dir)).toThrow(
      /OLG_ROLE: expected one of all, api, worker, got "queue"/,
    );
  });

  it("refuses api or worker on the embedded database", () => {
    for (const role of ["api", "worker"]) {
      expect(() => loadSettings("serve", { role }, {}, dir)).toThrow(ConfigError);
      expect(() => loadSettings("serve", { role }, {}, dir)).toThrow(/needs PostgreSQL/);
    }
  });

  it("the CLI rejects a bad --role and a split role without a database, with exit codes", () => {
    const env = { ...process.env, DATABASE_URL: "" };
    const bad = spawnSync(process.execPath, [BIN, "serve", "--role", "queue"], {
      cwd: dir,
      env,
      encoding: "utf-8",
      timeout: 110_000,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("Allowed choices are all, api, worker");
    const noDb = spawnSync(process.execPath, [BIN, "serve", "--role", "worker", "--in-memory"], {
      cwd: dir,
      env,
      encoding: "utf-8",
      timeout: 110_000,
    });
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toContain("--role worker needs PostgreSQL");
  }, 240_000); // two cold CLI starts (tsx transform of the tree) on a possibly loaded machine
});

describe("shutdown deadline", () => {
  it("covers the readiness delay, the run drain and the close margin", () => {
    expect(shutdownDeadlineMs({ drainDelaySeconds: 0, runDrainSeconds: 20 })).toBe(30_000);
    expect(shutdownDeadlineMs({ drainDelaySeconds: 5, runDrainSeconds: 120 })).toBe(135_000);
  });
});
