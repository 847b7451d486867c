/**
 * Retrieval on Weaviate (@langchain/weaviate). Settings: WEAVIATE_URL (a local instance, or a
 * Weaviate Cloud cluster URL with WEAVIATE_API_KEY), WEAVIATE_INDEX (a collection name).
 */
import { WeaviateStore } from "@langchain/weaviate";
import weaviate from "weaviate-client";
import { embeddings } from "./model.js";
import { lazyStore, ragGraph } from "./rag.js";

async function client() {
  const url = new URL(process.env.WEAVIATE_URL || "http://localhost:8080");
  const apiKey = process.env.WEAVIATE_API_KEY;
  if (apiKey)
    return weaviate.connectToWeaviateCloud(url.href, {
      authCredentials: new weaviate.ApiKey(apiKey),
    });
  return weaviate.connectToLocal({ host: url.hostname, port: Number(url.port || 8080) });
}

const store = lazyStore(async () =>
  WeaviateStore.fromExistingIndex(await embeddings(), {
    client: await client(),
    indexName: process.env.WEAVIATE_INDEX || "Documents",
    textKey: "text",
  }),
);

export const graph = ragGraph(store);
