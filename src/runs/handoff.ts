/**
 * Run hand-off between the two threads of a split role `all` (`server/executor-split.ts`). The
 * HTTP thread (`api`: never claims) posts the id of each run it created to the executor thread,
 * whose queue claims that run by id (`RunQueue.claimLocal`) as a one-thread process does, instead
 * of a wake-up through the database (NOTIFY, or a poll) followed by a claim of "any queued run".
 * When the executor cannot take it (every slot busy, draining, already claimed elsewhere) it
 * announces the run to every replica, as a one-thread process does. A message nobody receives
 * (the executor thread restarting) leaves the run queued for the next wake-up or the sweep.
 * With tenancy the run is claimed in its creator's org, as a one-thread process claims it inside
 * the request: the executor's connection then needs no org switch between claim and execution.
 * Transport: a `BroadcastChannel` named per process (`Settings.runHandoff`); message
 * `{ runId, orgId? }` (strings).
 */
import { BroadcastChannel } from "node:worker_threads";

/** The HTTP thread's side: `send` posts a run id and reports it handed off. */
export interface HandoffSender {
  send(runId: string): boolean;
  close(): void;
}

/** A run handed off, and the org it was created in (tenancy). */
interface Handoff {
  runId: string;
  orgId?: string;
}

/** The sending side on channel `name`; `orgOf` names the current org (tenancy). */
export function handoffSender(name: string, orgOf?: () => string): HandoffSender {
  const bc = new BroadcastChannel(name);
  (bc as { unref?: () => void }).unref?.();
  let open = true;
  return {
    send(runId) {
      if (!open) return false;
      bc.postMessage({ runId, orgId: orgOf?.() } satisfies Handoff);
      return true;
    },
    close() {
      open = false;
      bc.close();
    },
  };
}

/** What the receiving side needs of the executor thread's pool (`RunQueue`). */
export interface HandoffTarget {
  claimLocal(runId: string): Promise<boolean>;
  announce(): Promise<void>;
}

/**
 * The executor thread's side: claims each run handed off on channel `name` by id, or announces it
 * when this pool cannot take it, inside `inOrg` of the sender's org (tenancy); `onError` gets a
 * claim that failed (the run stays queued).
 */
export function handoffReceiver(
  name: string,
  queue: HandoffTarget,
  onError: (err: unknown, runId: string) => void,
  inOrg: <T>(orgId: string | undefined, fn: () => T) => T = (_, fn) => fn(),
): { close(): void } {
  const bc = new BroadcastChannel(name);
  (bc as { unref?: () => void }).unref?.();
  bc.onmessage = (event) => {
    const { runId, orgId } = (event as { data: Handoff }).data;
    if (typeof runId !== "string") return;
    void inOrg(orgId, () => queue.claimLocal(runId))
      .then((claimed) => (claimed ? undefined : queue.announce()))
      .catch((err) => onError(err, runId));
  };
  return { close: () => bc.close() };
}
