/**
 * The admin UI's only way to the server: the official SDK `Client` on this origin (the public HTTP
 * API, so anything the UI does a script can do too), plus `apiFetch` for the few non-SDK routes
 * (`/metrics`, `/admin/api/logs`). The API key typed at sign-in is kept in `localStorage` and sent
 * as `x-api-key` (as the SDK does) and as `Authorization: Bearer` (what many auth modules read).
 * Signed in through SSO instead, the browser sends the session cookie and this adds the session's
 * CSRF token (`x-csrf-token`, ./session.ts).
 */
import { Client } from "@langchain/langgraph-sdk";
import { csrfToken } from "./session.ts";

const KEY = "olg.admin.apiKey";

/** The stored API key, or null when signed out / not needed. */
export function apiKey(): string | null {
  return localStorage.getItem(KEY);
}

/** Stores (or with null, forgets) the API key. */
export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(KEY, key);
  else localStorage.removeItem(KEY);
}

/** The headers carrying `key`, or the session's CSRF token without one. */
export function authHeaders(key: string | null): Record<string, string> {
  if (key) return { "x-api-key": key, Authorization: `Bearer ${key}` };
  const csrf = csrfToken();
  return csrf ? { "x-csrf-token": csrf } : {};
}

/** The server's origin (the UI is served by the server it manages). */
export const apiUrl = window.location.origin;

let cached: { key: string | null; csrf: string | null; client: Client } | undefined;

/** An SDK client carrying the current API key (or the session's CSRF token). */
export function client(): Client {
  const key = apiKey();
  const csrf = csrfToken();
  if (!cached || cached.key !== key || cached.csrf !== csrf)
    cached = {
      key,
      csrf,
      client: new Client({ apiUrl, apiKey: key, defaultHeaders: authHeaders(key) }),
    };
  return cached.client;
}

/** `fetch` on this server with the API key; throws `HttpError` on a non-2xx answer. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders(apiKey()))) headers.set(name, value);
  const res = await fetch(`${apiUrl}${path}`, { ...init, headers });
  if (!res.ok) throw new HttpError(res.status, await res.text().catch(() => ""));
  return res;
}

/** A non-2xx answer of the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ""}`);
  }
}

/** The HTTP status of an SDK or `apiFetch` error, if any. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown } | undefined;
  return typeof e?.status === "number" ? e.status : undefined;
}

/** A short, human message for an error of the API. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
