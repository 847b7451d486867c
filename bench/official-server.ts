/**
 * Child-process entry that starts the official `@langchain/langgraph-api` dev server (the
 * in-memory server behind `langgraphjs dev`) on the bench graphs. Arguments: the package's folder
 * (`lib/official.ts`), then JSON `{port, host, cwd, nWorkers, graphs}`. Prints
 * `{"ready": "<url>"}` once listening.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";

type StartServer = (options: unknown) => Promise<{ host: string; cleanup(): Promise<void> }>;

const packageDir = process.argv[2] ?? "";
const { startServer } = (await import(
  pathToFileURL(path.join(packageDir, "dist/server.mjs")).href
)) as { startServer: StartServer };
const options = JSON.parse(process.argv[3] ?? "{}");
const { host, cleanup } = await startServer(options);
process.stdout.write(`${JSON.stringify({ ready: `http://${host}` })}\n`);
const stop = async () => {
  await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
