/**
 * Binds the HTTP server. A busy port is a clear start-up error; in `olg dev` with the default port
 * (none given), the next free port is taken instead and the URL says which.
 */
import { serve } from "@hono/node-server";

type NodeServer = ReturnType<typeof serve>;

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
    const server = serve({ fetch, port, hostname: host }, () => resolve(server));
    server.once("error", reject);
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
