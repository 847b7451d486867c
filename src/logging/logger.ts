/** pino logger factory: JSON lines in production, pretty output for `olg dev`. */
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** Options the composition root passes in. */
export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Destination stream (tests capture lines); defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/** Creates the process logger. */
export function createLogger(options: LoggerOptions): Logger {
  if (options.pretty) {
    return pino({
      level: options.level,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss" } },
    });
  }
  return options.destination
    ? pino({ level: options.level }, options.destination as pino.DestinationStream)
    : pino({ level: options.level });
}
