/**
 * Suite 1, metadata reads: GET /assistants/:id, GET /threads/:id and POST /threads/search at a
 * fixed concurrency, after seeding assistants and threads.
 */
import { pool, postJson } from "./lib/api.ts";
import { measureLoad } from "./lib/load.ts";
import type { Figure, Suite } from "./lib/suite.ts";

const CONCURRENCY = 32;
const ASSISTANTS = 20;
const THREADS = 200;
const GROUP = `Metadata reads (concurrency ${CONCURRENCY}, 3 s each)`;

/** The metadata-reads suite. */
export const metadataSuite: Suite = {
  name: "metadata",
  title: "Metadata reads",
  async measure(target, ctx) {
    const tag = `bench-${Date.now()}`;
    const assistants = await pool([...Array(ASSISTANTS).keys()], 8, (i) =>
      postJson<{ assistant_id: string }>(`${target.url}/assistants`, {
        graph_id: "trivial",
        name: `bench ${i}`,
        metadata: { bench: tag, i },
      }),
    );
    const threads = await pool([...Array(THREADS).keys()], 8, (i) =>
      postJson<{ thread_id: string }>(`${target.url}/threads`, {
        metadata: { bench: tag, i, shard: i % 10 },
      }),
    );
    const figures: Figure[] = [];
    const durationMs = 3000;
    figures.push(
      ...(await measureLoad(
        target.url,
        {
          key: "meta.assistant",
          group: GROUP,
          label: "GET /assistants/:id",
          concurrency: CONCURRENCY,
          durationMs,
          requests: assistants.map((a) => ({
            method: "GET",
            path: `/assistants/${a.assistant_id}`,
          })),
        },
        ctx,
      )),
      ...(await measureLoad(
        target.url,
        {
          key: "meta.thread",
          group: GROUP,
          label: "GET /threads/:id",
          concurrency: CONCURRENCY,
          durationMs,
          requests: threads.map((t) => ({ method: "GET", path: `/threads/${t.thread_id}` })),
        },
        ctx,
      )),
      ...(await measureLoad(
        target.url,
        {
          key: "meta.search",
          group: GROUP,
          label: "POST /threads/search (metadata filter, limit 10)",
          concurrency: CONCURRENCY,
          durationMs,
          requests: [...Array(10).keys()].map((shard) => ({
            method: "POST",
            path: "/threads/search",
            body: { metadata: { bench: tag, shard }, limit: 10 },
          })),
        },
        ctx,
      )),
    );
    return figures;
  },
};
