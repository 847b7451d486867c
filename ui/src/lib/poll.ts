/**
 * `usePoll`: loads now and every `ms` while the page is open; the latest value or error. The
 * first load starts in a layout effect: React runs every layout effect of a commit before any
 * passive one, so the request leaves before a child's passive setup (a CodeMirror editor took
 * 300-400 ms there on a slow machine, and the page's data waited behind it).
 */
import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { messageOf } from "./client.ts";

/** Polls `load`; `reload()` fetches at once. `deps` restart it. */
export function usePoll<T>(load: () => Promise<T>, ms: number, deps: unknown[] = []) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      setValue(await loadRef.current());
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  const key = JSON.stringify(deps);
  useLayoutEffect(() => {
    void key; // restarts the polling when the caller's deps change
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await reload();
      if (!stopped && ms > 0) timer = setTimeout(tick, ms);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [reload, ms, key]);
  return { value, error, reload };
}
