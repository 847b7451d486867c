// Node module-resolution hook: graph modules that live outside this package (a user's project, the
// official test graphs) would otherwise resolve their own copies of @langchain/* and break the
// `instanceof` checks between the server and the graph. We resolve those specifiers from this
// package instead, when we have them installed.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

const ownRoot = new URL("../../", import.meta.url);
const ownRootPath = decodeURIComponent(ownRoot.pathname);
const SHARED = /^@langchain\/(core|langgraph|langgraph-checkpoint|langgraph-sdk)(\/.*)?$/;

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (SHARED.test(specifier) && parent?.startsWith("file:")) {
    const parentPath = decodeURIComponent(new URL(parent).pathname);
    if (!parentPath.startsWith(ownRootPath)) {
      const pkg = specifier.split("/").slice(0, 2).join("/");
      if (existsSync(`${ownRootPath}node_modules/${pkg}/package.json`)) {
        const ownParent = pathToFileURL(`${ownRootPath}src/index.ts`).href;
        return nextResolve(specifier, { ...context, parentURL: ownParent });
      }
    }
  }
  return nextResolve(specifier, context);
}
