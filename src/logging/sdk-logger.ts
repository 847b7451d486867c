/**
 * The logger graphs obtain with `getLogger()` from `@langchain/langgraph-sdk/logging`: the SDK looks
 * it up at `globalThis[Symbol.for("langgraph.api.sdk-logger")]` and throws when it is missing, and
 * graphs call it at module top level, so it must be registered before any graph is imported.
 */
import type { Logger } from "./logger.ts";

const GLOBAL_LOGGER = Symbol.for("langgraph.api.sdk-logger");
const LEVELS = {
  error: "error",
  warn: "warn",
  help: "info",
  data: "info",
  info: "info",
  debug: "debug",
  prompt: "info",
  http: "debug",
  verbose: "debug",
  input: "info",
  silly: "trace",
} as const;

type SdkLogMethod = (message: unknown, ...meta: unknown[]) => SdkLogger;
/** The winston-shaped logger the SDK's `getLogger()` returns. */
export type SdkLogger = Record<keyof typeof LEVELS, SdkLogMethod>;

/** Adapts our pino logger to the SDK's interface and registers it process-wide. */
export function registerSdkLogger(logger: Logger): SdkLogger {
  const child = logger.child({ source: "graph" });
  const sdk = {} as SdkLogger;
  for (const [name, level] of Object.entries(LEVELS)) {
    sdk[name as keyof typeof LEVELS] = (message, ...meta) => {
      const fields = Object.assign({}, ...meta.filter((m) => m != null && typeof m === "object"));
      if (typeof message === "string") child[level](fields, message);
      else child[level]({ ...fields, data: message });
      return sdk;
    };
  }
  (globalThis as unknown as Record<symbol, SdkLogger>)[GLOBAL_LOGGER] = sdk;
  return sdk;
}
