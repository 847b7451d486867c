/**
 * The graph templates `olg init` and `olg graph add` write (sources under `templates/` at the
 * package root): five agent templates and six retrieval templates on vector databases, each of the
 * latter on its LangChain.js integration package, with the settings it reads listed for
 * `.env.example`. Versions are npm ranges; the LangChain core packages come from our own
 * package.json (see `project.ts`).
 */

/** One template. */
export interface GraphTemplate {
  id: string;
  title: string;
  /** Source under `templates/graphs/`. */
  source: string;
  /** Scenario file under `templates/tests/` (`__GRAPH__` becomes the graph id). */
  scenario: string;
  /** Modules under `templates/graphs/` the graph imports, written beside it (kept if present). */
  support: string[];
  /** Packages the graph imports beyond the LangChain core set. */
  dependencies: Record<string, string>;
  /** Type packages TypeScript projects also get (devDependencies). */
  devDependencies?: Record<string, string>;
  /** `.env.example` lines (comments start with `#`). */
  env: string[];
  /**
   * Settings without which the graph cannot reach its service: its scenario file gets
   * `requires_env`, so `olg test` skips (and names them) rather than fails where they are unset.
   */
  requiresEnv?: string[];
}

const AGENTS: GraphTemplate[] = [
  {
    id: "chat",
    title: "Chat agent: one model call per turn",
    source: "chat.ts",
    scenario: "chat.scenario.yaml",
    support: ["model.ts"],
    dependencies: {},
    env: [],
  },
  {
    id: "react",
    title: "ReAct agent with tools (weather, calculator)",
    source: "react.ts",
    scenario: "react.scenario.yaml",
    support: ["model.ts"],
    dependencies: { zod: "^4.1.0" },
    env: [],
  },
  {
    id: "memory",
    title: "Memory agent: facts kept in the long-term store across threads",
    source: "memory.ts",
    scenario: "memory.scenario.yaml",
    support: ["model.ts"],
    dependencies: {},
    env: [],
  },
  {
    id: "retrieval",
    title: "Retrieval agent: answers from your documents (in-memory embeddings)",
    source: "retrieval.ts",
    scenario: "retrieval.scenario.yaml",
    support: ["model.ts"],
    dependencies: {},
    env: [],
  },
  {
    id: "hitl",
    title: "Human-in-the-loop: drafts an email, waits for approval",
    source: "hitl.ts",
    scenario: "hitl.scenario.yaml",
    support: ["model.ts"],
    dependencies: { zod: "^4.1.0" },
    env: [],
  },
];

const COMMUNITY = "^1.1.29";

const VECTOR: GraphTemplate[] = [
  {
    id: "pgvector",
    title: "Retrieval on PostgreSQL pgvector (the embedded PGlite + pgvector by default)",
    source: "vector/pgvector.ts",
    scenario: "vector.scenario.yaml",
    support: ["model.ts", "rag.ts"],
    dependencies: {
      "@langchain/community": COMMUNITY,
      pg: "^8.16.0",
    },
    devDependencies: { "@types/pg": "^8.15.0" },
    env: [
      "# pgvector: PostgreSQL with the vector extension (unset: the embedded database under olg dev/test)",
      "PGVECTOR_URL=",
      "PGVECTOR_TABLE=documents",
    ],
  },
  {
    id: "pinecone",
    title: "Retrieval on Pinecone (@langchain/pinecone)",
    source: "vector/pinecone.ts",
    scenario: "vector.scenario.yaml",
    requiresEnv: ["PINECONE_API_KEY"],
    support: ["model.ts", "rag.ts"],
    dependencies: { "@langchain/pinecone": "^1.0.3", "@pinecone-database/pinecone": "^5.0.2" },
    env: ["# Pinecone", "PINECONE_API_KEY=", "PINECONE_INDEX=documents", "PINECONE_NAMESPACE="],
  },
  {
    id: "weaviate",
    title: "Retrieval on Weaviate (@langchain/weaviate)",
    source: "vector/weaviate.ts",
    scenario: "vector.scenario.yaml",
    requiresEnv: ["WEAVIATE_URL"],
    support: ["model.ts", "rag.ts"],
    dependencies: { "@langchain/weaviate": "^1.0.1", "weaviate-client": "^3.5.2" },
    env: [
      "# Weaviate",
      "WEAVIATE_URL=http://localhost:8080",
      "WEAVIATE_API_KEY=",
      "WEAVIATE_INDEX=Documents",
    ],
  },
  {
    id: "qdrant",
    title: "Retrieval on Qdrant (@langchain/qdrant)",
    source: "vector/qdrant.ts",
    scenario: "vector.scenario.yaml",
    requiresEnv: ["QDRANT_URL"],
    support: ["model.ts", "rag.ts"],
    dependencies: { "@langchain/qdrant": "^1.0.3" },
    env: [
      "# Qdrant",
      "QDRANT_URL=http://localhost:6333",
      "QDRANT_API_KEY=",
      "QDRANT_COLLECTION=documents",
    ],
  },
  {
    id: "chroma",
    title: "Retrieval on ChromaDB (@langchain/community + chromadb)",
    source: "vector/chroma.ts",
    scenario: "vector.scenario.yaml",
    requiresEnv: ["CHROMA_URL"],
    support: ["model.ts", "rag.ts"],
    dependencies: { "@langchain/community": COMMUNITY, chromadb: "^3.0.0" },
    env: ["# ChromaDB", "CHROMA_URL=http://localhost:8000", "CHROMA_COLLECTION=documents"],
  },
  {
    id: "supabase",
    title: "Retrieval on Supabase Vector (@langchain/community + @supabase/supabase-js)",
    source: "vector/supabase.ts",
    scenario: "vector.scenario.yaml",
    requiresEnv: ["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"],
    support: ["model.ts", "rag.ts"],
    dependencies: { "@langchain/community": COMMUNITY, "@supabase/supabase-js": "^2.45.0" },
    env: [
      "# Supabase Vector (see the SQL in the graph file for the table and match function)",
      "SUPABASE_URL=",
      "SUPABASE_SERVICE_ROLE_KEY=",
      "SUPABASE_TABLE=documents",
      "SUPABASE_QUERY=match_documents",
    ],
  },
];

/** Every template, agents first. */
export const TEMPLATES: GraphTemplate[] = [...AGENTS, ...VECTOR];
/** The templates `olg init` offers (the agents). */
export const AGENT_TEMPLATES = AGENTS.map((t) => t.id);
/** Aliases users type. */
const ALIASES: Record<string, string> = {
  "human-in-the-loop": "hitl",
  tools: "react",
  rag: "retrieval",
  chromadb: "chroma",
  "supabase-vector": "supabase",
};

/** The template with this id (or alias), or undefined. */
export function findTemplate(id: string): GraphTemplate | undefined {
  const key = ALIASES[id.toLowerCase()] ?? id.toLowerCase();
  return TEMPLATES.find((t) => t.id === key);
}
