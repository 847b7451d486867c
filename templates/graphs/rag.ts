/**
 * The retrieval graph the vector-database templates share: `retrieve` asks a vector store for the
 * documents closest to the question, `answer` has the model answer from them. The first search
 * seeds an empty store with SAMPLE_DOCUMENTS; replace them with your own loader.
 */
import type { Document } from "@langchain/core/documents";
import { AIMessage, SystemMessage } from "@langchain/core/messages";
import type { VectorStore } from "@langchain/core/vectorstores";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { chatModel, textOf } from "./model.js";

/** Documents a new, empty store is seeded with. */
export const SAMPLE_DOCUMENTS: Document[] = [
  "Password reset: open Settings, choose Security, then Reset password; a link is emailed to you.",
  "Billing: invoices are issued on the first day of each month and paid by card.",
  "Support hours: the support team answers Monday to Friday, 9:00 to 17:00 UTC.",
].map((pageContent, i) => ({ pageContent, metadata: { source: `sample-${i + 1}` } }));

/** Opens the store once (on first use, so the server starts even when the database is down). */
export function lazyStore(open: () => Promise<VectorStore>): () => Promise<VectorStore> {
  let opening: Promise<VectorStore> | null = null;
  return () => {
    opening ??= open().then(
      async (store) => {
        const probe = await store.similaritySearch(SAMPLE_DOCUMENTS[0]!.pageContent, 1);
        if (probe.length === 0) await store.addDocuments(SAMPLE_DOCUMENTS);
        return store;
      },
      (error: unknown) => {
        opening = null;
        throw error;
      },
    );
    return opening;
  };
}

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  context: Annotation<string[]>,
});

/** The fake model's script: answer with the best document from the system prompt. */
const model = await chatModel((messages) => {
  const best = textOf(messages[0]).split("\n")[1];
  return best ? `From the docs: ${best}` : "I found nothing about that.";
});

/** A retrieve-then-answer graph over the store `store()` opens. */
export function ragGraph(store: () => Promise<VectorStore>, k = 2) {
  return new StateGraph(State)
    .addNode("retrieve", async (state) => {
      const hits = await (await store()).similaritySearch(textOf(state.messages.at(-1)), k);
      return { context: hits.map((doc) => doc.pageContent) };
    })
    .addNode("answer", async (state) => {
      const system = ["Answer from these documents only:", ...state.context].join("\n");
      const reply = await model.invoke([new SystemMessage(system), ...state.messages]);
      return { messages: [new AIMessage({ content: reply.content, id: reply.id })] };
    })
    .addEdge(START, "retrieve")
    .addEdge("retrieve", "answer")
    .addEdge("answer", END)
    .compile();
}
