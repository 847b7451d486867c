/**
 * pino logger factory: JSON lines in production, pretty output for `olg dev`. Every line also goes
 * to the in-process log feed when one is given (the admin log API reads it), and carries the run
 * context (`run_id`, `thread_id`) of the work that logged it.
 */
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { logContextMixin } from "./context.ts";
import type { LogFeed } from "./feed.ts";

export type { Logger } from "pino";

/** Options the composition root passes in. */
export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Destination stream (tests capture lines); defaults to stdout. */
  destination?: NodeJS.WritableStream;
  /** The log feed that keeps recent lines for `/admin/api/logs` (or forwards them to it). */
  feed?: Pick<LogFeed, "stream">;
}

/** Creates the process logger. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, mixin: logContextMixin };
  if (!options.feed) {
    if (options.pretty) {
      return pino({
        ...base,
        transport: {
          target: "pino-pretty",
          options: { colorize: true, translateTime: "HH:MM:ss" },
        },
      });
    }
    return options.destination
      ? pino(base, options.destination as pino.DestinationStream)
      : pino(base);
  }
  // With a feed the pretty printer runs in process (a transport's worker thread cannot share it).
  // JSON lines go out asynchronously: a synchronous write per request line cost 9-29% of
  // throughput (issue 24); writes coalesce while one is in flight, and pino flushes the rest
  // synchronously when the process exits.
  const out: pino.DestinationStream = options.pretty
    ? pretty({ colorize: true, translateTime: "HH:MM:ss", sync: true })
    : ((options.destination as pino.DestinationStream | undefined) ??
      pino.destination({ dest: 1, sync: false }));
  const streams: pino.StreamEntry[] = [
    { level: options.level as pino.Level, stream: out },
    { level: options.level as pino.Level, stream: options.feed.stream },
  ];
  return pino(base, pino.multistream(streams));
}
