/** Job input (stdin JSON) and result output (stdout JSON lines) for bench client processes. */

/** Reads the job from stdin. */
export async function readJob<T>(): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf-8")) as T;
}

/** Emits one message to the parent. */
export function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Kills this process if it runs longer than `ms` (every measurement is bounded). */
export function hardLimit(ms: number): void {
  setTimeout(() => {
    emit({ type: "error", message: `client exceeded its ${ms} ms limit` });
    process.exit(3);
  }, ms).unref();
}
