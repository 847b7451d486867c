/**
 * How a command reaches a running server: `--url` (else `$OLG_URL`, `$LANGGRAPH_API_URL`, else
 * http://127.0.0.1:2024), `--api-key` (sent as `x-api-key`, as the official SDK does; else
 * `$OLG_API_KEY`, `$LANGGRAPH_API_KEY`), `--token` (`Authorization: Bearer`), `-H "Name: value"`.
 */
import type { Command } from "commander";
import { CliError } from "../errors.ts";

/** Connection flags as commander parses them. */
export interface ServerFlags {
  url?: string;
  apiKey?: string;
  token?: string;
  header?: string[];
}

/** A resolved connection. */
export interface ServerTarget {
  url: string;
  headers: Record<string, string>;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the connection flags to a command. */
export function serverFlags(cmd: Command): Command {
  return cmd
    .option("--url <url>", "server URL (default: $OLG_URL, else http://127.0.0.1:2024)")
    .option("--api-key <key>", "API key, sent as x-api-key (default: $OLG_API_KEY)")
    .option("--token <token>", "bearer token, sent as Authorization: Bearer …")
    .option("-H, --header <header>", 'extra header "Name: value" (repeatable)', collect);
}

/** Resolves flags and environment into a URL and headers. */
export function resolveTarget(flags: ServerFlags, env = process.env): ServerTarget {
  const raw = flags.url ?? env.OLG_URL ?? env.LANGGRAPH_API_URL ?? "http://127.0.0.1:2024";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`not a URL: ${raw}`, "usage");
  }
  const headers: Record<string, string> = {};
  const apiKey = flags.apiKey ?? env.OLG_API_KEY ?? env.LANGGRAPH_API_KEY;
  if (apiKey) headers["x-api-key"] = apiKey;
  if (flags.token) headers.authorization = `Bearer ${flags.token}`;
  for (const h of flags.header ?? []) {
    const i = h.indexOf(":");
    if (i <= 0) throw new CliError(`bad header "${h}" (expected "Name: value")`, "usage");
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return { url: url.toString().replace(/\/+$/, ""), headers };
}

/** Fetches `path` on the target, turning network and auth failures into exit codes. */
export async function request(
  target: ServerTarget,
  path: string,
  init: RequestInit = {},
  forbiddenHint = "The server refused these credentials for this operation.",
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      ...init,
      headers: { ...target.headers, ...(init.headers as Record<string, string>) },
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(
      `cannot reach ${target.url} (${cause})`,
      "unreachable",
      "Is the server running? Start one with `olg dev`, or pass --url.",
    );
  }
  if (res.status === 401 || res.status === 403) {
    const text = await res.text().catch(() => "");
    throw new CliError(
      `${target.url}${path}: ${res.status} ${text || res.statusText}`.trim(),
      "unauthorized",
      res.status === 401 ? "Pass credentials with --api-key, --token or -H." : forbiddenHint,
    );
  }
  return res;
}
