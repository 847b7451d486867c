// Node module-resolution hook (registered by the `olg` command before our code loads): every import
// of a shared LangChain package made from inside OUR package (our code and our own dependencies)
// resolves to the copy the user's project uses, so the server and the graphs share one copy and
// `instanceof` checks (Command, Send, BaseMessage, StateGraph) hold across them. Imports made by the
// project (its graphs, `langchain`, `@langchain/openai`, ...) are never touched: the project keeps
// the versions it installed. With a normal install (`npm i open-langgraph`) peer dependencies
// already resolve to the project's copies and this hook changes nothing; it matters when we run from
// a clone or a linked folder that has its own node_modules.
//
// A package our code imports only when the project uses it (`@langchain/openai` for
// `store.index.embed: "openai:..."`) and that our own install lacks is looked up from the project.
//
// `initialize` receives { ownRoot, projectDir, resolveFrom, targets }: folder paths, and for each
// shared package name the folder of the copy to use (see src/peers/resolve.ts).
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SHARED = /^(@langchain\/(?:core|langgraph|langgraph-checkpoint|langgraph-sdk))(?:\/.*)?$/;

let ownRoot = "";
let projectDir = "";
let projectAnchor = "";
/** @type {Record<string, string>} package name -> file URL of its package.json */
let anchors = {};

/**
 * @param {{ ownRoot: string, projectDir: string, resolveFrom: string,
 *   targets: Record<string, string> }} data
 */
export async function initialize(data) {
  ownRoot = withSep(data.ownRoot);
  projectDir = withSep(data.projectDir);
  projectAnchor = pathToFileURL(path.join(data.resolveFrom, "noop.js")).href;
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

/** Whether an import made from `parent` is one of ours (not the project's own code). */
function fromOurPackage(parent) {
  if (!parent?.startsWith("file:")) return false;
  const parentPath = fileURLToPath(parent);
  // A project inside our folder (our examples and test fixtures) keeps its own resolution.
  const inProject = projectDir.startsWith(ownRoot) && parentPath.startsWith(projectDir);
  return parentPath.startsWith(ownRoot) && !inProject;
}

const isBare = (specifier) => !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);

export async function resolve(specifier, context, nextResolve) {
  if (!fromOurPackage(context.parentURL)) return nextResolve(specifier, context);
  const match = SHARED.exec(specifier);
  const anchor = match && anchors[match[1]];
  // Resolving from the target's own package.json finds that very copy (self-reference or the
  // node_modules walk), and its subpath exports apply as usual.
  if (anchor) return nextResolve(specifier, { ...context, parentURL: anchor });
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !isBare(specifier)) throw error;
    return nextResolve(specifier, { ...context, parentURL: projectAnchor });
  }
}
