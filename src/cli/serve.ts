/** `olg serve`: start, then drain and exit on SIGTERM/SIGINT. */
import type { Settings } from "../config/load.ts";
import { startServer } from "../main.ts";

/** Runs the server until a termination signal. */
export async function runServe(settings: Settings): Promise<void> {
  const server = await startServer(settings);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    try {
      await server.close();
      process.exit(0);
    } catch (error) {
      server.logger.error({ err: error }, "error during shutdown");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
