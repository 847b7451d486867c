/**
 * Coalesces calls of `fn`: at most one in flight; calls made meanwhile share one more call after
 * it (never lost, never piled up). For signals whose effect covers every earlier request, such as
 * the queue's wake-up NOTIFY (a woken replica claims until the queue is empty).
 */
export function coalesced(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await fn();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
