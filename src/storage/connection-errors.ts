/**
 * Recognises a lost database connection (server restart, failover, `pg_terminate_backend`, network
 * reset) as opposed to an error of the statement itself. Such failures are transient: the pool opens
 * a new connection, and the work is retried (a run resumes from its last checkpoint).
 */

/** SQLSTATE classes and codes of a connection that went away or a server that is not there. */
const CONNECTION_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);
const SOCKET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTCONN",
  "EHOSTUNREACH",
  // mysql2 (MySQL/MariaDB): the socket closed, a server restart or KILL, too many connections.
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  "ER_CONNECTION_KILLED",
  "ER_CLIENT_INTERACTION_TIMEOUT",
]);
const MESSAGES = [
  "Connection terminated",
  "connection error and is not queryable",
  "terminating connection",
  "Client was closed and is not queryable",
  "the database system is starting up",
  "the database system is shutting down",
  "timeout exceeded when trying to connect",
  "Can't add new command when connection is in closed state",
  "Pool is closed",
];

/** Whether `error` (or an error in its `cause` chain) is a lost or refused database connection. */
export function isConnectionError(error: unknown): boolean {
  for (let e = error, depth = 0; e != null && depth < 8; depth++) {
    if (typeof e !== "object") return false;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string") {
      if (CONNECTION_SQLSTATES.has(code) || code.startsWith("08") || SOCKET_CODES.has(code))
        return true;
    }
    if (typeof message === "string" && MESSAGES.some((m) => message.includes(m))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `fn`, retrying while it fails with a connection error (capped backoff, up to `timeoutMs`).
 * Other errors, and the last connection error after the deadline, are thrown.
 */
export async function retryOnConnectionLoss<T>(
  fn: () => Promise<T>,
  timeoutMs = 30_000,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(2000, delay * 2)) {
    try {
      return await fn();
    } catch (error) {
      if (!isConnectionError(error) || Date.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}
