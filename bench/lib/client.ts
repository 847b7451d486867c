/** Runs a bench client in its own Node process (job on stdin, JSON lines on stdout). */
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "./targets.ts";

/** Options for `runClient`. */
export interface ClientOptions {
  /** Called for every non-result message (progress/phase lines). */
  onMessage?: (message: Record<string, unknown>) => void;
  /** Kill the client after this long. */
  timeoutMs: number;
}

/** Spawns `bench/client/<script>.ts`, feeds it `job`, resolves with its `result` message. */
export async function runClient<T>(
  script: string,
  job: unknown,
  options: ClientOptions,
): Promise<T> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "bench/client", `${script}.ts`)],
    { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] },
  );
  child.stdin.end(JSON.stringify(job));
  let result: T | undefined;
  let failure: string | undefined;
  let buffer = "";
  const stderr: string[] = [];
  child.stderr.on("data", (c: Buffer) => {
    stderr.push(c.toString());
    if (stderr.length > 20) stderr.shift();
  });
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
      if (!line.trim()) continue;
      try {
        const message = JSON.parse(line);
        if (message.type === "result") result = message.result as T;
        else if (message.type === "error") failure = String(message.message);
        else options.onMessage?.(message);
      } catch {
        // stray output
      }
    }
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  if (result === undefined)
    throw new Error(
      `client ${script} failed (exit ${code}): ${failure ?? ""}\n${stderr.join("").slice(-2000)}`,
    );
  return result;
}
