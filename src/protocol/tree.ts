/**
 * The agent tree of a thread's current run (`agent.getTree`): every namespace seen, its lifecycle
 * status and graph name. Graph names of unnamed namespaces derive from the segment (`child:<id>` →
 * `child`), with LangGraph's own normalization.
 */
import { isPrefixMatch, normalizeNamespaceSegment } from "@langchain/langgraph/stream";
import type { Namespace } from "./types.ts";

/** Lifecycle status of a namespace. */
export type AgentStatus = "started" | "running" | "completed" | "failed" | "interrupted";

interface Node {
  namespace: Namespace;
  status: string;
  graphName: string;
}

/** A node of `agent.getTree`'s result. */
export interface AgentTreeNode {
  namespace: Namespace;
  status: string;
  graph_name: string;
  children?: AgentTreeNode[];
}

const keyOf = (ns: Namespace) => ns.join("\0");
const guessName = (ns: Namespace) => {
  const last = ns.at(-1);
  return last == null ? "root" : normalizeNamespaceSegment(last);
};

/** Namespaces of a run and their status. */
export class NamespaceTree {
  readonly #nodes = new Map<string, Node>();
  #rootName = "root";

  /** Forgets everything (a new run starts) and names the root graph. */
  reset(rootName: string): void {
    this.#nodes.clear();
    this.#rootName = rootName;
  }

  /** Records a status (and optionally the graph name) of a namespace. */
  set(namespace: Namespace, status: string, graphName?: string): void {
    const existing = this.#nodes.get(keyOf(namespace));
    const name =
      graphName ??
      existing?.graphName ??
      (namespace.length === 0 ? this.#rootName : guessName(namespace));
    this.#nodes.set(keyOf(namespace), { namespace, status, graphName: name });
  }

  /** Makes sure every prefix of `namespace` is known (status `started` when new). */
  ensure(namespace: Namespace): void {
    for (let n = 1; n <= namespace.length; n++) {
      const prefix = namespace.slice(0, n);
      if (!this.#nodes.has(keyOf(prefix))) this.set(prefix, "started");
    }
  }

  /** The tree below `namespace`. */
  build(namespace: Namespace = []): AgentTreeNode {
    const node = this.#nodes.get(keyOf(namespace)) ?? {
      namespace,
      status: "started",
      graphName: namespace.length === 0 ? this.#rootName : guessName(namespace),
    };
    const children = [...this.#nodes.values()]
      .filter(
        (c) => c.namespace.length === namespace.length + 1 && isPrefixMatch(c.namespace, namespace),
      )
      .sort((a, b) => JSON.stringify(a.namespace).localeCompare(JSON.stringify(b.namespace)))
      .map((c) => this.build(c.namespace));
    return {
      namespace: node.namespace,
      status: node.status,
      graph_name: node.graphName,
      ...(children.length > 0 ? { children } : {}),
    };
  }
}
