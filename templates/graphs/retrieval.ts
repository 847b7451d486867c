/**
 * A retrieval agent: finds the documents closest to the question (embeddings and cosine
 * similarity, in memory) and answers from them. Put your documents in DOCUMENTS, or move to a
 * vector database with `olg graph add <name> --template pgvector` (or pinecone, qdrant, …).
 */
import { AIMessage, SystemMessage } from "@langchain/core/messages";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { chatModel, embeddings, textOf } from "./model.js";

const DOCUMENTS = [
  "Password reset: open Settings, choose Security, then Reset password; a link is emailed to you.",
  "Billing: invoices are issued on the first day of each month and paid by card.",
  "Support hours: the support team answers Monday to Friday, 9:00 to 17:00 UTC.",
];

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  context: Annotation<string[]>,
});

const embedder = await embeddings();
const index = await embedder.embedDocuments(DOCUMENTS);

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

/** The fake model's script: answer with the best document from the system prompt. */
const model = await chatModel((messages) => {
  const best = textOf(messages[0]).split("\n")[1];
  return best ? `From the docs: ${best}` : "I found nothing about that.";
});

export const graph = new StateGraph(State)
  .addNode("retrieve", async (state) => {
    const query = await embedder.embedQuery(textOf(state.messages.at(-1)));
    const ranked = DOCUMENTS.map((doc, i) => ({ doc, score: cosine(query, index[i]!) }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score);
    return { context: ranked.slice(0, 2).map((hit) => hit.doc) };
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
