/**
 * Retrieval on Pinecone (@langchain/pinecone). Settings: PINECONE_API_KEY, PINECONE_INDEX (an
 * index whose dimension matches the embeddings: 1536 for OpenAI, 256 for the fake ones),
 * PINECONE_NAMESPACE.
 */

import { PineconeStore } from "@langchain/pinecone";
import { Pinecone } from "@pinecone-database/pinecone";
import { embeddings } from "./model.js";
import { lazyStore, ragGraph } from "./rag.js";

const store = lazyStore(async () => {
  const pinecone = new Pinecone({ apiKey: process.env.PINECONE_API_KEY ?? "" });
  return PineconeStore.fromExistingIndex(await embeddings(), {
    pineconeIndex: pinecone.Index(process.env.PINECONE_INDEX || "documents"),
    namespace: process.env.PINECONE_NAMESPACE || undefined,
  });
});

export const graph = ragGraph(store);
