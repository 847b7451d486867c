/**
 * Hash routing (`/admin/#/runs/<thread>/<run>`): every page is served by the one `/admin/` document,
 * so the server needs no catch-all route under `/admin` (where `/admin/api/*` lives).
 */
import { useEffect, useState } from "react";

/** The current route as path segments, e.g. `["threads", "<id>"]`. */
export function useRoute(): string[] {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash
    .replace(/^#\/?/, "")
    .split("?")[0]!
    .split("/")
    .filter(Boolean)
    .map(decodeURIComponent);
}

/** The `href` of a route. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join("/")}`;
}

/** Navigates to a route. */
export function navigate(...segments: string[]): void {
  window.location.hash = href(...segments);
}
