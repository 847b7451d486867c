/**
 * Log context for work done on behalf of a run: every line logged inside `withLogContext` (ours,
 * and a graph's through the SDK's `getLogger()`) carries the run's `run_id` and `thread_id`, so
 * `olg logs --run ID` finds a run's lines whoever logged them. pino reads it through `mixin`.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Fields stamped on each line. */
export type LogContext = Record<string, string | undefined>;

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` added to every log line it (and what it awaits) writes. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/** pino `mixin`: the current context (or nothing outside one). */
export function logContextMixin(): LogContext {
  return storage.getStore() ?? {};
}
