/**
 * Child-process entry for the ceiling suite: a bare handler answering `GET /ok` with
 * `{"ok":true}` on the same stack as ours. Arguments: `node|hono <port>`.
 */
import http from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const [mode, port] = [process.argv[2], Number(process.argv[3])];
if (mode === "hono") {
  const app = new Hono();
  app.get("/ok", (c) => c.json({ ok: true }));
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
} else {
  const body = Buffer.from(JSON.stringify({ ok: true }));
  http
    .createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    })
    .listen(port, "127.0.0.1");
}
process.on("SIGTERM", () => process.exit(0));
