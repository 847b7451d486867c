/**
 * Turns `/assistants/:id/graph` (nodes, edges with `conditional`) into positioned `@xyflow/react`
 * nodes and edges, laid out top-down by dagre. Subgraph nodes (xray ids `parent:child`) are drawn
 * inside their parent's namespace label.
 */
import dagre from "@dagrejs/dagre";
import type { Edge, Node } from "@xyflow/react";

/** The graph document of the API. */
export interface GraphDoc {
  nodes: { id: string | number; type?: string; data?: unknown }[];
  edges: {
    source: string | number;
    target: string | number;
    conditional?: boolean;
    data?: unknown;
  }[];
}

/** Per node: what a run did with it. */
export type NodeState = "running" | "done" | "interrupted" | "error";

const WIDTH = 160;
const HEIGHT = 44;

const STATE_STYLE: Record<NodeState | "idle", { background: string; border: string }> = {
  idle: { background: "#ffffff", border: "1px solid #94a3b8" },
  running: { background: "#dbeafe", border: "3px solid #1d4ed8" },
  done: { background: "#dcfce7", border: "2px solid #15803d" },
  interrupted: { background: "#fef3c7", border: "3px solid #b45309" },
  error: { background: "#fee2e2", border: "3px solid #b91c1c" },
};

function label(id: string): string {
  if (id === "__start__") return "START";
  if (id === "__end__") return "END";
  return id;
}

/** Positions the graph; `states` colours the nodes a run touched. */
export function layoutGraph(
  doc: GraphDoc,
  states: Record<string, NodeState>,
): { nodes: Node[]; edges: Edge[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of doc.nodes) g.setNode(String(n.id), { width: WIDTH, height: HEIGHT });
  for (const e of doc.edges) g.setEdge(String(e.source), String(e.target));
  dagre.layout(g);
  const nodes: Node[] = doc.nodes.map((n) => {
    const id = String(n.id);
    const p = g.node(id);
    const state = states[id] ?? states[id.split(":").pop()!];
    const style = STATE_STYLE[state ?? "idle"];
    return {
      id,
      position: { x: (p?.x ?? 0) - WIDTH / 2, y: (p?.y ?? 0) - HEIGHT / 2 },
      data: { label: label(id) },
      className: `graph-node${state ? ` graph-node-${state}` : ""}`,
      style: { ...style, width: WIDTH, borderRadius: 8, color: "#0f172a", fontSize: 13 },
      ariaLabel: `node ${label(id)}${state ? ` (${state})` : ""}`,
      draggable: false,
    };
  });
  const edges: Edge[] = doc.edges.map((e, i) => ({
    id: `e${i}-${e.source}-${e.target}`,
    source: String(e.source),
    target: String(e.target),
    animated: !!e.conditional,
    style: e.conditional ? { strokeDasharray: "6 4", stroke: "#475569" } : { stroke: "#475569" },
    label: typeof e.data === "string" ? e.data : undefined,
  }));
  return { nodes, edges };
}
