/** Binding: a busy port is a clear error, or (dev default) the next free port. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, PortInUseError } from "../../src/http/listen.ts";

describe("listen", () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    port = (busy.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => busy.close(() => r())));

  const ok = () => new Response("ok");

  it("fails with a clear error when the port is taken and may not move", async () => {
    await expect(listen(ok, { port, host: "127.0.0.1", tryNext: false })).rejects.toBeInstanceOf(
      PortInUseError,
    );
  });

  it("takes the next free port when allowed", async () => {
    const server = await listen(ok, { port, host: "127.0.0.1", tryNext: true });
    const bound = (server.address() as AddressInfo).port;
    expect(bound).toBeGreaterThan(port);
    expect(await (await fetch(`http://127.0.0.1:${bound}/`)).text()).toBe("ok");
    await new Promise<void>((r) => server.close(() => r()));
  });
});
