/**
 * Retention maths (pure) and the sweeper. An artifact's retention is, most specific first: its
 * thread's policy, the policy of its longest matching namespace prefix, the configured default.
 * The same policies become S3 lifecycle rules (a backstop that deletes objects even if no server
 * runs), emitted only where they can never delete an object before our database expires it: S3
 * applies the shortest matching expiration, so a rule is left out when a more specific policy
 * under its prefix keeps objects longer.
 */
import {
  joinNamespace,
  LOOSE_FOLDER,
  namespaceFolder,
  parseTarget,
  targetKey,
  threadFolder,
} from "./keys.ts";
import type { ArtifactPlace, LifecycleRule } from "./types.ts";

/** S3 accepts at most this many rules per bucket. */
export const MAX_LIFECYCLE_RULES = 1000;

/** Days an artifact at `place` is kept (null = forever). `policies` maps targets to days. */
export function retentionDays(
  place: ArtifactPlace,
  policies: Map<string, number>,
  defaultDays: number | null,
): number | null {
  if (place.threadId) {
    const days = policies.get(targetKey({ threadId: place.threadId }));
    if (days != null) return days;
  }
  const ns = place.namespace ?? [];
  for (let n = ns.length; n > 0; n--) {
    const days = policies.get(targetKey({ namespace: ns.slice(0, n) }));
    if (days != null) return days;
  }
  return defaultDays;
}

/** `created + days`, or null. */
export const expiryOf = (created: Date, days: number | null) =>
  days == null ? null : new Date(created.getTime() + days * 86_400_000);

/** The S3 lifecycle rules equivalent to the policies (see the module comment for what is left out). */
export function lifecycleRules(
  policies: Map<string, number>,
  defaultDays: number | null,
): LifecycleRule[] {
  const rules: LifecycleRule[] = [];
  const namespaces: { ns: string[]; days: number }[] = [];
  const threadDays: number[] = [];
  for (const [target, days] of policies) {
    const parsed = parseTarget(target);
    if ("threadId" in parsed) {
      threadDays.push(days);
      rules.push({ id: `thread-${parsed.threadId}`, prefix: threadFolder(parsed.threadId), days });
    } else namespaces.push({ ns: parsed.namespace, days });
  }
  const under = (ns: string[], other: string[]) =>
    other.length > ns.length && joinNamespace(other).startsWith(`${joinNamespace(ns)}.`);
  for (const { ns, days } of namespaces) {
    if (namespaces.some((o) => under(ns, o.ns) && o.days > days)) continue;
    rules.push({ id: `namespace-${joinNamespace(ns)}`, prefix: namespaceFolder(ns), days });
  }
  if (defaultDays != null) {
    rules.push({ id: "default-objects", prefix: LOOSE_FOLDER, days: defaultDays });
    const nsMax = Math.max(0, ...namespaces.map((n) => n.days));
    // Thread artifacts without a thread policy follow their namespace's policy, if any.
    if (nsMax <= defaultDays)
      rules.push({ id: "default-namespaces", prefix: "namespaces/", days: defaultDays });
    if (nsMax <= defaultDays && Math.max(0, ...threadDays) <= defaultDays)
      rules.push({ id: "default-threads", prefix: "threads/", days: defaultDays });
  }
  // Over the S3 limit, keep the broadest rules (defaults last in the list, so take from the end).
  return rules.length > MAX_LIFECYCLE_RULES ? rules.slice(-MAX_LIFECYCLE_RULES) : rules;
}

/** A running sweeper. */
export interface ArtifactSweeper {
  /** Runs one sweep now (coalesced with one in progress); resolves with how many were removed. */
  kick(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/** Sweeps every `intervalMs` (unref'd timer); sweeps never overlap. */
export function startArtifactSweeper(
  sweep: () => Promise<number>,
  intervalMs: number,
  onError: (error: unknown) => void,
): ArtifactSweeper {
  let running: Promise<number> | null = null;
  const kick = () => {
    running ??= sweep()
      .catch((error) => {
        onError(error);
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void kick(), Math.max(1000, intervalMs));
  timer.unref();
  return {
    kick,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
