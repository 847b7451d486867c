/**
 * A Redis liveness check over a plain socket (RESP `AUTH` + `PING`), so readiness does not depend
 * on which Redis client the features use.
 */
import net from "node:net";
import tls from "node:tls";

const command = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** Resolves true when the server at `url` answers `PING` with `PONG`. */
export function redisPing(url: string, timeoutMs = 2000): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || 6379);
  const host = u.hostname || "127.0.0.1";
  return new Promise((resolve) => {
    const socket =
      u.protocol === "rediss:"
        ? tls.connect({ host, port, servername: host })
        : net.connect({ host, port });
    let buffer = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once(u.protocol === "rediss:" ? "secureConnect" : "connect", () => {
      const password = decodeURIComponent(u.password);
      const user = decodeURIComponent(u.username);
      let out = "";
      if (password) out += user ? command("AUTH", user, password) : command("AUTH", password);
      socket.write(out + command("PING"));
    });
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes("+PONG")) done(true);
      else if (buffer.split("\r\n").some((line) => line.startsWith("-"))) done(false);
    });
  });
}
