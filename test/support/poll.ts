/**
 * The one way tests wait for something: `poll(fn, ms)` calls `fn` every `intervalMs` (default
 * 100 ms) until it returns a value other than `undefined` (a throw counts as not yet), and throws
 * after `ms` naming what it waited for. `until(check, ms)` waits for a truthy check. No fixed sleeps.
 */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first defined value of `fn` within `ms`. */
export async function poll<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  { intervalMs = 100, what = "a value" }: { intervalMs?: number; what?: string } = {},
): Promise<T> {
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`, { cause: lastError });
    await pause(intervalMs);
  }
}

/** Waits until `check` holds (a throw counts as not yet); throws after `ms`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  ms: number,
  options: { intervalMs?: number; what?: string } = {},
): Promise<void> {
  await poll(async () => ((await check()) ? true : undefined), ms, options);
}
