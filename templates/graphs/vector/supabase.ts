/**
 * Retrieval on Supabase Vector (@langchain/community's SupabaseVectorStore). Settings:
 * SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_TABLE, SUPABASE_QUERY. Create the table and
 * the match function once in the Supabase SQL editor (dimension: 1536 for OpenAI embeddings):
 *
 *   create extension if not exists vector;
 *   create table documents (id bigserial primary key, content text, metadata jsonb,
 *     embedding vector(1536));
 *   create function match_documents (query_embedding vector(1536), match_count int default null,
 *     filter jsonb default '{}') returns table (id bigint, content text, metadata jsonb,
 *     similarity float) language plpgsql as $$ begin return query select d.id, d.content,
 *     d.metadata, 1 - (d.embedding <=> query_embedding) as similarity from documents d
 *     where d.metadata @> filter order by d.embedding <=> query_embedding limit match_count;
 *     end; $$;
 */
import { SupabaseVectorStore } from "@langchain/community/vectorstores/supabase";
import { createClient } from "@supabase/supabase-js";
import { embeddings } from "./model.js";
import { lazyStore, ragGraph } from "./rag.js";

const store = lazyStore(async () => {
  const url = process.env.SUPABASE_URL;
  const key = process.env.SUPABASE_SERVICE_ROLE_KEY;
  if (!url || !key) throw new Error("supabase: set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY");
  return new SupabaseVectorStore(await embeddings(), {
    client: createClient(url, key),
    tableName: process.env.SUPABASE_TABLE || "documents",
    queryName: process.env.SUPABASE_QUERY || "match_documents",
  });
});

export const graph = ragGraph(store);
