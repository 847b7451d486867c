/**
 * In-process loopback: requests to this server that never touch a socket. The official SDK `Client`
 * built without `apiUrl` inside the server process picks up `globalThis[Symbol.for(
 * "langgraph_api:fetch")]` and `globalThis[Symbol.for("langgraph_api:url")]` (sdk
 * `client/base.ts`), so graphs and custom routes can call `new Client()` and reach us; the runs
 * engine dispatches relative webhooks (`"/custom/webhook"`) through `loopbackFetch`.
 */

const FETCH = Symbol.for("langgraph_api:fetch");
const URL_KEY = Symbol.for("langgraph_api:url");

/** A `fetch` that dispatches to this server's app in-process. */
export type LoopbackFetch = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** What the loopback needs from the app: Hono's `app.request`. */
export interface LoopbackTarget {
  request(input: string | URL | Request, init?: RequestInit): Response | Promise<Response>;
}

type Slots = { [FETCH]?: LoopbackFetch; [URL_KEY]?: string };
const slots = globalThis as unknown as Slots;

/** A bound loopback; `setUrl` once the listening address is known, `unbind` on close. */
export interface LoopbackBinding {
  readonly fetch: LoopbackFetch;
  setUrl(url: string): void;
  unbind(): void;
}

/** Binds the process-wide loopback to `app`, with `url` as the base of relative paths. */
export function bindLoopback(app: LoopbackTarget, url: string): LoopbackBinding {
  let base = url.replace(/\/$/, "");
  const fetch: LoopbackFetch = async (input, init) => {
    const target =
      typeof input === "string" && input.startsWith("/") ? new URL(input, `${base}/`) : input;
    const streamed = init?.body instanceof ReadableStream;
    const request = new Request(
      target,
      streamed ? ({ ...init, duplex: "half" } as RequestInit) : init,
    );
    // No socket, so no Host header: routes that build absolute URLs (UI assets) need one.
    if (!request.headers.has("host")) request.headers.set("host", new URL(request.url).host);
    return app.request(request);
  };
  slots[FETCH] = fetch;
  slots[URL_KEY] = base;
  return {
    fetch,
    setUrl(next) {
      base = next.replace(/\/$/, "");
      if (slots[FETCH] === fetch) slots[URL_KEY] = base;
    },
    unbind() {
      if (slots[FETCH] !== fetch) return;
      delete slots[FETCH];
      delete slots[URL_KEY];
    },
  };
}

/** Whether a loopback is bound in this process. */
export function isLoopbackBound(): boolean {
  return slots[FETCH] != null;
}

/**
 * Dispatches a request to this server in-process. Relative paths (`/custom/webhook`) resolve against
 * the server URL; absolute URLs are routed by path. Throws when no server is bound.
 */
export function loopbackFetch(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const fetch = slots[FETCH];
  if (!fetch) return Promise.reject(new Error("Loopback fetch is not bound"));
  return fetch(input, init);
}

/** The server URL the loopback resolves relative paths against (undefined when unbound). */
export function loopbackUrl(): string | undefined {
  return slots[URL_KEY];
}
