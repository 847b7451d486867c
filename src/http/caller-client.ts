/**
 * An SDK `Client` that reaches this server in-process (loopback) as the caller of `request`: every
 * request header is forwarded except those that describe the outer request's body or connection,
 * so whatever the auth module reads (Authorization, API keys, cookies, tenant headers) identifies
 * the same caller on the inner calls, as LangGraph Platform's A2A and MCP endpoints do.
 */
import { Client } from "@langchain/langgraph-sdk";
import { loopbackFetch, loopbackUrl } from "./loopback.ts";

const DROPPED = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "upgrade",
  "content-length",
  "content-type",
  "content-encoding",
  "accept",
  "accept-encoding",
  "expect",
  "last-event-id",
  "mcp-session-id",
  "mcp-protocol-version",
]);

/** The caller's loopback client. */
export function callerClient(request: Request): Client {
  const defaultHeaders: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!DROPPED.has(name.toLowerCase())) defaultHeaders[name] = value;
  });
  return new Client({
    apiUrl: loopbackUrl() ?? "http://localhost",
    defaultHeaders,
    callerOptions: { fetch: loopbackFetch, maxRetries: 0 },
  });
}
