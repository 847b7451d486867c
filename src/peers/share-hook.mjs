// Node module-resolution hook (registered by the `olg` command before our code loads): every import
// of a shared LangChain package made from inside OUR package (our code and our own dependencies)
// resolves to the copy the user's project uses, so the server and the graphs share one copy and
// `instanceof` checks (Command, Send, BaseMessage, StateGraph) hold across them. Imports made by the
// project (its graphs, `langchain`, `@langchain/openai`, ...) are never touched: the project keeps
// the versions it installed. With a normal install (`npm i open-langgraph`) peer dependencies
// already resolve to the project's copies and this hook changes nothing; it matters when we run from
// a clone or a linked folder that has its own node_modules.
//
// `initialize` receives { ownRoot, projectDir, targets }: folder paths, and for each shared package
// name the folder of the copy to use (see src/peers/resolve.ts).
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SHARED = /^(@langchain\/(?:core|langgraph|langgraph-checkpoint|langgraph-sdk))(?:\/.*)?$/;

let ownRoot = "";
let projectDir = "";
/** @type {Record<string, string>} package name -> file URL of its package.json */
let anchors = {};

/** @param {{ ownRoot: string, projectDir: string, targets: Record<string, string> }} data */
export async function initialize(data) {
  ownRoot = withSep(data.ownRoot);
  projectDir = withSep(data.projectDir);
  anchors = Object.fromEntries(
    Object.entries(data.targets).map(([name, dir]) => [
      name,
      pathToFileURL(path.join(dir, "package.json")).href,
    ]),
  );
}

function withSep(dir) {
  return dir.endsWith(path.sep) ? dir : dir + path.sep;
}

export async function resolve(specifier, context, nextResolve) {
  const match = SHARED.exec(specifier);
  const parent = context.parentURL;
  if (match && parent?.startsWith("file:")) {
    const anchor = anchors[match[1]];
    const parentPath = fileURLToPath(parent);
    // A project inside our folder (our examples and test fixtures) keeps its own resolution.
    const inProject = projectDir.startsWith(ownRoot) && parentPath.startsWith(projectDir);
    if (anchor && parentPath.startsWith(ownRoot) && !inProject) {
      // Resolving from the target's own package.json finds that very copy (self-reference or the
      // node_modules walk), and its subpath exports apply as usual.
      return nextResolve(specifier, { ...context, parentURL: anchor });
    }
  }
  return nextResolve(specifier, context);
}
