/**
 * Binds the HTTP server. A busy port is a clear start-up error; in `olg dev` with the default port
 * (none given), the next free port is taken instead and the URL says which.
 */
import { createAdaptorServer } from "@hono/node-server";
import { withDirectSse } from "./sse-node.ts";

type NodeServer = ReturnType<typeof createAdaptorServer>;

/**
 * Accept queue length asked of the kernel (capped by `net.core.somaxconn`). Node's default, 511,
 * overflows when thousands of SSE clients connect at once while the event loop is busy, and the
 * kernel then resets connections (issue 24: 5,000 streams opened with 80 resets).
 */
const BACKLOG = 4096;

/** Thrown when the port is taken and may not be changed. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

function listenOnce(
  fetch: (req: Request) => Response | Promise<Response>,
  port: number,
  host: string,
) {
  return new Promise<NodeServer>((resolve, reject) => {
    const server = createAdaptorServer({ fetch: withDirectSse(fetch), hostname: host });
    server.once("error", reject);
    server.listen({ port, host, backlog: BACKLOG }, () => resolve(server));
  });
}

/** Listens on `port`, or (when `tryNext`) on the first free port among the next 20. */
export async function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  options: { port: number; host: string; tryNext: boolean },
): Promise<NodeServer> {
  const last = options.tryNext && options.port !== 0 ? options.port + 20 : options.port;
  for (let port = options.port; ; port++) {
    try {
      return await listenOnce(fetch, port, options.host);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      if (port >= last) {
        throw new PortInUseError(
          `port ${options.port} on ${options.host} is already in use; pass --port N`,
        );
      }
    }
  }
}
