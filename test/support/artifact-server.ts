/**
 * An in-process server for the artifact tests: the fixture project (two tenants, a graph that
 * uses the artifacts handle) on PGlite or a fresh PostgreSQL database, with the filesystem
 * backend in a temporary folder or the S3 backend on a running s3rver. Quiet logger.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSettings } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/main.ts";
import type { TestS3 } from "./s3.ts";
import { createTestDatabase, dropTestDatabase, ROOT } from "./server.ts";

export const ARTIFACT_CONFIG = path.join(ROOT, "test/fixtures/artifacts/open_langgraph.json");

/** A started artifact server and how to stop it. */
export interface ArtifactServer {
  server: RunningServer;
  url: string;
  /** Filesystem backend root (null on S3). */
  dir: string | null;
  stop(): Promise<void>;
}

/** Starts the fixture project; `tune` may change the resolved artifact settings first. */
export async function startArtifactServer(options: {
  db: "pglite" | "postgres";
  s3?: TestS3;
  tune?: (s: ReturnType<typeof loadSettings>) => void;
}): Promise<ArtifactServer> {
  const databaseUrl = options.db === "postgres" ? await createTestDatabase("olg_art") : undefined;
  const dir = options.s3 ? null : await mkdtemp(path.join(tmpdir(), "olg-artifacts-test-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  if (dir) env.OLG_ARTIFACTS_DIR = dir;
  if (options.s3) {
    env.OLG_ARTIFACTS_S3_BUCKET = options.s3.bucket;
    env.OLG_ARTIFACTS_S3_ENDPOINT = options.s3.endpoint;
    // The AWS SDK's credential chain reads these from the process environment.
    process.env.AWS_ACCESS_KEY_ID = options.s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = options.s3.secretAccessKey;
  }
  const settings = loadSettings(
    "serve",
    {
      config: ARTIFACT_CONFIG,
      port: 0,
      host: "127.0.0.1",
      inMemory: options.db === "pglite",
      databaseUrl,
      testMode: true,
      logLevel: "warn",
    },
    env,
    ROOT,
  );
  settings.warmSchemas = false;
  settings.artifacts.sweepIntervalMs = 1000;
  options.tune?.(settings);
  let server: RunningServer;
  try {
    server = await startServer(settings, createLogger({ level: "warn", pretty: false }));
  } catch (error) {
    if (dir) await rm(dir, { recursive: true, force: true });
    if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
    throw error;
  }
  return {
    server,
    url: server.url,
    dir,
    async stop() {
      await server.close();
      if (dir) await rm(dir, { recursive: true, force: true });
      if (databaseUrl) await dropTestDatabase(databaseUrl).catch(() => {});
    },
  };
}
