/** The shared servers started by global setup, one per backend, for `describe.each`. */
import { Client } from "@langchain/langgraph-sdk";
import { inject } from "vitest";
import type { BackendName } from "./server.ts";

/** One shared server. */
export interface SharedServer {
  backend: BackendName;
  url: string;
  databaseUrl: string | null;
  client: Client;
}

/** The shared servers, each with an SDK client. */
export function sharedServers(): SharedServer[] {
  return inject("servers").map((s) => ({ ...s, client: new Client({ apiUrl: s.url }) }));
}
