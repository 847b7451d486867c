/**
 * Starts one shared server per backend for the conformance suite, in parallel: PGlite always,
 * PostgreSQL and MariaDB when they answer, SQLite (`DEFAULT_CONFORMANCE_BACKENDS`). Tests isolate themselves by creating their own resources. A missing PostgreSQL is
 * reported loudly; it is never counted as a pass (its tests are not registered at all).
 */
import type { TestProject } from "vitest/node";
import { mariadbAvailable } from "./mariadb.ts";
import {
  type BackendName,
  backendWanted,
  DEFAULT_CONFORMANCE_BACKENDS,
  postgresAvailable,
  startServer,
  type TestServer,
} from "./server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    servers: { backend: BackendName; url: string; databaseUrl: string | null }[];
  }
}

export default async function setup(project: TestProject) {
  const servers: TestServer[] = [];
  const wantPg = backendWanted("postgres", DEFAULT_CONFORMANCE_BACKENDS);
  const pgUp = wantPg && (await postgresAvailable());
  if (wantPg && !pgUp) {
    console.warn("\n*** PostgreSQL is not reachable: conformance tests run without it ***\n");
  }
  const wantMaria = backendWanted("mariadb", DEFAULT_CONFORMANCE_BACKENDS);
  const mariaUp = wantMaria && (await mariadbAvailable());
  if (wantMaria && !mariaUp) {
    console.warn("\n*** MariaDB is not reachable: conformance tests run without it ***\n");
  }
  // The shared servers answer the schema tests: they warm schemas at start, as the product does.
  // They run as users run them: graphs in the executor thread of role all.
  const shared = { env: { OLG_WARM_SCHEMAS: "1" }, executorThread: true };
  const starts: Promise<TestServer>[] = [startServer({ backend: "pglite", ...shared })];
  if (pgUp) starts.push(startServer({ backend: "postgres", ...shared }));
  if (mariaUp) starts.push(startServer({ backend: "mariadb", ...shared }));
  if (backendWanted("sqlite", DEFAULT_CONFORMANCE_BACKENDS))
    starts.push(startServer({ backend: "sqlite", ...shared }));
  // One failed start must not leave the other server running.
  const started = await Promise.allSettled(starts);
  for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }
  project.provide(
    "servers",
    servers.map((s) => ({ backend: s.backend, url: s.url, databaseUrl: s.databaseUrl })),
  );
  return async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
}
