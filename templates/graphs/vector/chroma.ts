/**
 * Retrieval on ChromaDB (@langchain/community's Chroma store, the chromadb client). Settings:
 * CHROMA_URL, CHROMA_COLLECTION (created on first use).
 */
import { Chroma } from "@langchain/community/vectorstores/chroma";
import { embeddings } from "./model.js";
import { lazyStore, ragGraph } from "./rag.js";

const store = lazyStore(async () => {
  const chroma = new Chroma(await embeddings(), {
    url: process.env.CHROMA_URL || "http://localhost:8000",
    collectionName: process.env.CHROMA_COLLECTION || "documents",
  });
  await chroma.ensureCollection();
  return chroma;
});

export const graph = ragGraph(store);
