/** `olg serve`: start, then drain and exit on SIGTERM/SIGINT. */
import type { Settings } from "../config/load.ts";
import { startServer } from "../main.ts";
import { shutdownDeadlineMs } from "./shutdown.ts";

/** Runs the server until a termination signal. */
export async function runServe(settings: Settings): Promise<void> {
  const server = await startServer(settings);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, "shutting down");
    // Fail readiness first so load balancers stop routing here before the drain starts.
    server.markDraining();
    const delayMs = settings.drainDelaySeconds * 1000;
    const force = setTimeout(() => process.exit(1), shutdownDeadlineMs(settings));
    force.unref();
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await server.close();
      process.exit(0);
    } catch (error) {
      server.logger.error({ err: error }, "error during shutdown");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Started with an IPC channel (by `olg dev`, or a test harness): the parent going away, even by
  // SIGKILL, closes the channel, and a server nobody supervises any more stops with it.
  if (process.channel) process.once("disconnect", () => void stop("parent exited"));
  // `olg dev` learns the URL this way (with the default port it may have moved to the next one).
  process.send?.({ type: "olg:listening", url: server.url });
}
