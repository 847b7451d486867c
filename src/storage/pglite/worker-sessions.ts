/**
 * The clients of the embedded database worker (`worker-host.ts`): the server's thread (the
 * worker's own port) and any attached port (the run executor's thread, `src/runs/thread/`).
 * PGlite has one session, so the clients share it the way one PostgreSQL connection would be
 * shared by a pool: requests run one at a time in arrival order, and a client whose `BEGIN`
 * succeeded owns the session until its `COMMIT`/`ROLLBACK`/`END`; meanwhile the other clients'
 * requests wait (their statements never run inside someone else's transaction). A client that
 * disconnects while it owns the session has its transaction rolled back. Notifications go to the
 * client that asked for them (each `listen` is its own subscription).
 *
 * Session settings follow their client: each client's last org/role statement of the tenant
 * session (`../session-settings.ts`) is remembered and run again before that client's next
 * statement whenever the session last held another client's (or none), so an org set by the HTTP
 * thread never applies to the executor thread's statements or the other way round (with two
 * clients and tenancy on, org B's search once saw org A's thread this way). Costs one statement
 * in the worker per switch between clients of different settings; none with tenancy off.
 */
import type { PGlite } from "@electric-sql/pglite";
import { isSessionSetting, RESET_ROLE_AND_ORG } from "../session-settings.ts";
import {
  TX_END,
  TX_START,
  toWire,
  type WorkerMessage,
  type WorkerRequest,
} from "./worker-protocol.ts";

/** One client: how to answer it and what it subscribed to. */
export interface Client {
  send(message: WorkerMessage, transfer?: ArrayBuffer[]): void;
  /** The primary client's `close` closes the database; another's detaches it. */
  primary: boolean;
  /** Detaches this client (its port closes). */
  close?(): void;
}

/** Buffers of the `bytea` cells of `rows` (each owns its buffer, see options.ts): moved, not copied. */
function transferables(rows: Record<string, unknown>[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const row of rows)
    for (const key in row) {
      const value = row[key];
      if (value instanceof Uint8Array && value.byteLength > 4096)
        out.add(value.buffer as ArrayBuffer);
    }
  return [...out];
}

/** Serves every client of one PGlite (see the module doc). */
export class Sessions {
  readonly #queue: { client: Client; req: WorkerRequest }[] = [];
  readonly #listens = new Map<Client, Map<number, () => Promise<void>>>();
  readonly #gone = new Set<Client>();
  #owner: Client | null = null;
  #running = false;
  /** Each client's last session setting, and the key of the one the session holds (undefined: unknown). */
  readonly #settings = new Map<Client, { sql: string; params: unknown[]; key: string }>();
  #holds: string | null | undefined = null;

  constructor(
    private readonly pg: PGlite,
    private readonly onAttach: (port: import("node:worker_threads").MessagePort) => void,
  ) {}

  /** Queues `req` of `client`. */
  submit(client: Client, req: WorkerRequest): void {
    if (this.#gone.has(client)) return;
    this.#queue.push({ client, req });
    void this.#pump();
  }

  /** `client` disconnected: its queued requests are dropped, its transaction rolled back. */
  detach(client: Client): void {
    if (this.#gone.has(client)) return;
    this.#gone.add(client);
    for (let i = this.#queue.length - 1; i >= 0; i--)
      if (this.#queue[i]!.client === client) this.#queue.splice(i, 1);
    this.#settings.delete(client);
    const listens = this.#listens.get(client);
    this.#listens.delete(client);
    for (const off of listens?.values() ?? []) void off().catch(() => {});
    if (this.#owner === client) {
      this.#queue.unshift({ client, req: { id: -1, op: "query", sql: "ROLLBACK", params: [] } });
      void this.#pump();
    }
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        const owner = this.#owner;
        const i = owner ? this.#queue.findIndex((e) => e.client === owner) : 0;
        if (i < 0 || this.#queue.length === 0) return;
        const [entry] = this.#queue.splice(i, 1);
        await this.#handle(entry!.client, entry!.req);
      }
    } finally {
      this.#running = false;
    }
  }

  #reply(client: Client, message: WorkerMessage, transfer?: ArrayBuffer[]) {
    if (!this.#gone.has(client) || message.type !== "reply") client.send(message, transfer);
  }

  /** Gives the session `client`'s settings (or none) unless it holds them already. */
  async #adopt(client: Client): Promise<void> {
    if (this.#owner === client) return; // its own transaction: adopted at its BEGIN
    const want = this.#settings.get(client);
    const key = want?.key ?? null;
    if (key === this.#holds) return;
    this.#holds = undefined;
    if (want) await this.pg.query(want.sql, want.params);
    else await this.pg.query(RESET_ROLE_AND_ORG);
    this.#holds = key;
  }

  async #handle(client: Client, req: WorkerRequest): Promise<void> {
    try {
      switch (req.op) {
        case "query": {
          const ends = TX_END.test(req.sql);
          const setting = isSessionSetting(req.sql);
          if (!setting) await this.#adopt(client);
          try {
            if (setting) this.#holds = undefined;
            const result = await this.pg.query<Record<string, unknown>>(req.sql, req.params, {
              rowMode: "object",
            });
            if (TX_START.test(req.sql)) this.#owner = client;
            if (setting) {
              const key = settingKey(req.sql, req.params);
              this.#settings.set(client, { sql: req.sql, params: req.params, key });
              this.#holds = key;
            }
            this.#reply(
              client,
              { type: "reply", id: req.id, rows: result.rows, affectedRows: result.affectedRows },
              transferables(result.rows),
            );
          } finally {
            if (ends && this.#owner === client) this.#owner = null;
          }
          return;
        }
        case "listen": {
          const listens = this.#listens.get(client) ?? new Map<number, () => Promise<void>>();
          this.#listens.set(client, listens);
          listens.set(
            req.lid,
            await this.pg.listen(req.channel, (payload) =>
              client.send({ type: "notify", lid: req.lid, payload }),
            ),
          );
          break;
        }
        case "unlisten":
          await this.#listens.get(client)?.get(req.lid)?.();
          this.#listens.get(client)?.delete(req.lid);
          break;
        case "attach":
          this.onAttach(req.port);
          break;
        case "close":
          if (!client.primary) {
            this.#reply(client, { type: "reply", id: req.id });
            this.detach(client);
            client.close?.();
            return;
          }
          if (!this.pg.closed) await this.pg.close();
          this.#reply(client, { type: "reply", id: req.id });
          client.close?.();
          return;
      }
      this.#reply(client, { type: "reply", id: req.id });
    } catch (error) {
      this.#reply(client, { type: "reply", id: req.id, error: toWire(error) });
    }
  }
}

function settingKey(sql: string, params: unknown[]): string {
  return `${sql}\u0000${JSON.stringify(params)}`;
}
