/** Describes the machine and the software versions a bench run measured. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PG_ADMIN_URL } from "../../test/support/server.ts";
import { oursBuild } from "./compiled.ts";
import { officialPackage } from "./official.ts";
import { ROOT } from "./targets.ts";

/** Facts printed above the tables. */
export interface Environment {
  date: string;
  machine: string;
  loadAverage: string;
  openFiles: string;
  node: string;
  ours: string;
  official: string;
  langgraph: string;
  core: string;
  postgres: string;
  redis: string;
}

function pkgVersion(name: string): string {
  try {
    const file = path.join(ROOT, "node_modules", name, "package.json");
    return JSON.parse(readFileSync(file, "utf-8")).version as string;
  } catch {
    return "not installed";
  }
}

function officialVersion(): string {
  try {
    return officialPackage(ROOT).version;
  } catch {
    return "not installed";
  }
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf-8" }).trim();
  } catch {
    return "?";
  }
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query("SHOW server_version");
    return String(rows[0]?.server_version ?? "?");
  } catch {
    return "not reachable";
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisVersion(): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = "";
    const done = (v: string) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(1000, () => done("not reachable"));
    socket.once("error", () => done("not reachable"));
    socket.on("data", (c: Buffer) => {
      data += c.toString();
      const m = /redis_version:([^\r\n]+)/.exec(data);
      if (m) done(m[1] as string);
    });
    socket.connect(6379, "127.0.0.1", () => socket.write("INFO server\r\n"));
  });
}

/** Collects the environment facts. */
export async function describeEnvironment(): Promise<Environment> {
  const cpus = os.cpus();
  const ourVersion = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf-8")).version;
  const commit = sh("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = sh("git", ["status", "--porcelain", "--", "src"])
    ? " + uncommitted changes in src/"
    : "";
  return {
    date: new Date().toISOString(),
    machine: `${cpus.length} × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / "),
    openFiles: sh("sh", ["-c", "ulimit -n"]),
    node: process.version,
    ours: `open-langgraph ${ourVersion} (git ${commit}${dirty}; ${oursBuild() === "dist" ? "compiled dist/, as published" : "src/ through tsx, as a clone"})`,
    official: `@langchain/langgraph-api ${officialVersion()}`,
    langgraph: pkgVersion("@langchain/langgraph"),
    core: pkgVersion("@langchain/core"),
    postgres: await postgresVersion(),
    redis: await redisVersion(),
  };
}
