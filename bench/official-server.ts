/**
 * Child-process entry that starts the official `@langchain/langgraph-api` dev server (the
 * in-memory server behind `langgraphjs dev`) on the bench graphs. Argument: JSON
 * `{port, host, cwd, nWorkers, graphs}`. Prints `{"ready": "<url>"}` once listening.
 */
import { startServer } from "@langchain/langgraph-api/server";

const options = JSON.parse(process.argv[2] ?? "{}");
const { host, cleanup } = await startServer(options);
process.stdout.write(`${JSON.stringify({ ready: `http://${host}` })}\n`);
const stop = async () => {
  await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
