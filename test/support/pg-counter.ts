/**
 * A TCP proxy in front of PostgreSQL that counts round trips: every frontend `Sync` (extended
 * protocol: Parse/Bind/Execute then Sync) and every simple `Query` is one request the client
 * waits for. The server under test connects through it (its DATABASE_URL points here), so what
 * is counted is exactly what crosses the wire; nothing in the server is instrumented. The text
 * of each statement is kept (from Parse / Query) to explain a count.
 */
import net from "node:net";
import pg from "pg";

/**
 * Statements a server sends on a timer, not per request: the run queue's safety sweep (every 2 s:
 * requeue expired leases, repair busy threads, then a wake-up claim of any queued run) and the
 * cron scheduler's poll (about once a minute: due crons, then the time to the next one). A count
 * of what requests cost leaves them out (CI once counted a poll inside a window under load).
 */
export const TIMER_STATEMENTS = {
  requeue: /"lease_expires_at" < now\(\)/,
  repair: /^\s*update "?threads"? as "?t"? set/i,
  wakeClaim: /SKIP LOCKED/,
  cronPoll: [
    /from "crons" where "enabled" = \$1 and "next_run_at" <= now\(\)/,
    /FROM crons WHERE enabled AND next_run_at IS NOT NULL/,
  ],
};

/** A started proxy. */
export interface PgCounter {
  /** `databaseUrl` with host and port replaced by the proxy's. */
  url: string;
  /** Round trips since start (or the last `reset`), with their SQL in order. */
  trips(): string[];
  reset(): void;
  close(): Promise<void>;
}

/** Starts a counting proxy for `databaseUrl` (no TLS: the local test server speaks plain TCP). */
export async function startPgCounter(databaseUrl: string): Promise<PgCounter> {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let trips: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    let started = false;
    let pending: string[] = [];
    client.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 4) break;
          const len = buffer.readInt32BE(0);
          if (buffer.length < len) break;
          buffer = buffer.subarray(len);
          started = true;
          continue;
        }
        if (buffer.length < 5) break;
        const type = String.fromCharCode(buffer[0]!);
        const len = buffer.readInt32BE(1);
        if (buffer.length < 1 + len) break;
        const body = buffer.subarray(5, 1 + len);
        buffer = buffer.subarray(1 + len);
        if (type === "P") {
          const nameEnd = body.indexOf(0);
          pending.push(body.subarray(nameEnd + 1, body.indexOf(0, nameEnd + 1)).toString());
        } else if (type === "S") {
          trips.push(pending.join("; ") || "(sync)");
          pending = [];
        } else if (type === "Q") {
          trips.push(body.subarray(0, body.indexOf(0)).toString());
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    trips: () => [...trips],
    reset: () => {
      trips = [];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Waits until no run of the database is pending or running (read on a connection of its own, not
 * through the counter) and then no statement crossed `c` for `silentMs`: a request's tail is done.
 * With the executor thread of role all, a run's finish, its waiter's read and the done signal's
 * first LISTEN may land after the waiter answered, and on a loaded machine more than a few
 * hundred milliseconds later (CI counted two warm-up finishes in the measured window at load 30),
 * so silence alone is not enough. At most `maxMs`.
 */
export async function quiet(
  c: PgCounter,
  databaseUrl: string,
  silentMs = 300,
  maxMs = 30_000,
): Promise<void> {
  const step = 50;
  const deadline = Date.now() + maxMs;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (;;) {
      const { rows } = await db.query(
        "select count(*)::int as n from runs where status in ('pending', 'running')",
      );
      if (rows[0].n === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, step));
    }
  } finally {
    await db.end();
  }
  let last = -1;
  let still = 0;
  while (Date.now() < deadline && still * step < silentMs) {
    const n = c.trips().length;
    still = n === last ? still + 1 : 0;
    last = n;
    await new Promise((r) => setTimeout(r, step));
  }
}
