/**
 * Retrieval on Qdrant (@langchain/qdrant). Settings: QDRANT_URL, QDRANT_API_KEY (Qdrant Cloud),
 * QDRANT_COLLECTION (created on first use).
 */
import { QdrantVectorStore } from "@langchain/qdrant";
import { embeddings } from "./model.js";
import { lazyStore, ragGraph } from "./rag.js";

const store = lazyStore(async () => {
  const qdrant = new QdrantVectorStore(await embeddings(), {
    url: process.env.QDRANT_URL || "http://localhost:6333",
    apiKey: process.env.QDRANT_API_KEY || undefined,
    collectionName: process.env.QDRANT_COLLECTION || "documents",
  });
  await qdrant.ensureCollection();
  return qdrant;
});

export const graph = ragGraph(store);
