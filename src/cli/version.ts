/** The installed package's name and version (read once from its package.json). */
import { readFileSync } from "node:fs";

let cached: { name: string; version: string } | undefined;

/** `{ name, version }` of the open-langgraph package running this code. */
export function packageInfo(): { name: string; version: string } {
  cached ??= JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf-8")) as {
    name: string;
    version: string;
  };
  return cached;
}
