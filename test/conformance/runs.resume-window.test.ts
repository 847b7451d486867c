/**
 * Black-box: a client resumes as soon as it is sent an interrupt, before the run that raised it
 * has persisted it and ended (`resume_window` fixture: the interrupt streams at once, the run ends
 * `slow_ms` later). Every resume path accepts it and applies it exactly once: Command(resume) on
 * runs create / stream / wait (the default `reject` strategy, as useStream's submit sends it), and
 * protocol v2 `input.respond` over SSE (the SDK's thread stream) and over a WebSocket.
 */
import { v7 as uuid7 } from "uuid";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { sharedServers } from "../support/backends.ts";

const GRAPH = "resume_window";

// Each case runs two graph runs with a 3 s step; a cold start on a loaded machine needs room.
// Backends side by side (each its own server; a file that mostly waits held a fork for the sum of
// the backends' waits), each backend's tests in order (`it.sequential` inside a concurrent suite).
describe.concurrent.each(sharedServers())(
  "resume in the interrupt window ($backend)",
  { timeout: 90_000 },
  ({ client, url }) => {
    /** Starts a run and resolves once its interrupt is streamed (the run is still running then). */
    async function interruptStreamed(threadId: string) {
      const stream = client.runs.stream(threadId, GRAPH, {
        input: { question: "now?", slow_ms: 3000 },
        streamMode: ["updates"],
        durability: "exit",
      });
      const it = stream[Symbol.asyncIterator]();
      for (;;) {
        const next = await it.next();
        if (next.done) throw new Error("the run ended without streaming its interrupt");
        const data = next.value.data as Record<string, unknown> | undefined;
        if (next.value.event === "updates" && data && "__interrupt__" in data) break;
      }
      const drain = (async () => {
        for (let n = await it.next(); !n.done; n = await it.next());
      })();
      // The window is real: the run that streamed the interrupt has not ended (with durability
      // "exit" it has persisted nothing yet), so its thread is still busy.
      const [run] = await client.runs.list(threadId);
      expect(run?.status).toBe("running");
      return drain;
    }

    async function expectAppliedOnce(threadId: string, answer: unknown) {
      // Stream events end before the run's final write commits: wait for the runs to end.
      for (let i = 0; i < 100; i++) {
        const runs = await client.runs.list(threadId);
        if (runs.every((r) => r.status !== "pending" && r.status !== "running")) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = await client.threads.getState(threadId);
      expect(state.values).toMatchObject({ answers: [answer], slept: true, finished: true });
      expect(state.next).toEqual([]);
      expect((await client.threads.get(threadId)).status).toBe("idle");
      const runs = await client.runs.list(threadId);
      expect(runs.map((r) => r.status)).toEqual(["success", "success"]);
    }

    it.sequential("Command(resume) through runs.wait", async () => {
      const { thread_id } = await client.threads.create();
      const drain = await interruptStreamed(thread_id);
      const out = await client.runs.wait(thread_id, GRAPH, { command: { resume: "wait" } });
      expect(out).toMatchObject({ answers: ["wait"], finished: true });
      await drain;
      await expectAppliedOnce(thread_id, "wait");
    });

    it.sequential("Command(resume) through runs.stream (useStream's submit)", async () => {
      const { thread_id } = await client.threads.create();
      const drain = await interruptStreamed(thread_id);
      const seen: unknown[] = [];
      for await (const part of client.runs.stream(thread_id, GRAPH, {
        command: { resume: { picked: "stream" } },
        streamMode: ["values"],
      }))
        if (part.event === "values") seen.push(part.data);
      expect(seen.at(-1)).toMatchObject({ answers: [{ picked: "stream" }], finished: true });
      await drain;
      await expectAppliedOnce(thread_id, { picked: "stream" });
    });

    it.sequential("Command(resume) through runs.create, then join", async () => {
      const { thread_id } = await client.threads.create();
      const drain = await interruptStreamed(thread_id);
      const run = await client.runs.create(thread_id, GRAPH, { command: { resume: 7 } });
      await client.runs.join(thread_id, run.run_id);
      await drain;
      await expectAppliedOnce(thread_id, 7);
    });

    it.sequential(
      "protocol input.respond over SSE (SDK thread stream), sent the moment the interrupt arrives",
      async () => {
        const thread = client.threads.stream({ assistantId: GRAPH });
        const sub = (await thread.subscribe({
          channels: ["lifecycle", "input"],
        })) as AsyncIterable<{
          method: string;
          params: { namespace: string[]; data: any };
        }>;
        await thread.run.start({ input: { question: "sse?", slow_ms: 1500 } });
        let responded = false;
        let runningAtRespond: string | undefined;
        for await (const e of sub) {
          if (e.method === "input.requested" && !responded) {
            responded = true;
            runningAtRespond = (await client.runs.list(thread.threadId))[0]?.status;
            await thread.input.respond({
              interrupt_id: e.params.data.interrupt_id,
              response: "sse",
            } as any);
          }
          const ev = e.params.data?.event;
          if (responded && e.method === "lifecycle" && e.params.namespace.length === 0)
            if (ev === "completed" || ev === "failed") break;
        }
        await thread.close();
        expect(runningAtRespond).toBe("running"); // the answer came inside the window
        await expectAppliedOnce(thread.threadId, "sse");
      },
    );

    it.sequential(
      "protocol input.respond over a WebSocket, sent the moment the interrupt arrives",
      async () => {
        const threadId = uuid7();
        const socket = new WebSocket(
          `${url.replace("http", "ws")}/threads/${threadId}/stream/events`,
        );
        await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
        const replies = new Map<number, any>();
        const seen: string[] = [];
        const done = new Promise<void>((resolve) => {
          socket.on("message", (raw: unknown) => {
            const f = JSON.parse(String(raw));
            seen.push(
              f.type === "event"
                ? `${f.method}:${f.params.data?.event ?? ""}`
                : `${f.type}:${f.id}`,
            );
            if (f.type !== "event") replies.set(f.id, f);
            else if (f.method === "input.requested")
              socket.send(
                JSON.stringify({
                  id: 3,
                  method: "input.respond",
                  params: { interrupt_id: f.params.data.interrupt_id, response: "ws" },
                }),
              );
            else if (
              f.method === "lifecycle" &&
              f.params.namespace.length === 0 &&
              f.params.data.event === "completed"
            )
              resolve();
          });
        });
        socket.send(
          JSON.stringify({
            id: 1,
            method: "subscription.subscribe",
            params: { channels: ["lifecycle", "input"] },
          }),
        );
        socket.send(
          JSON.stringify({
            id: 2,
            method: "run.start",
            params: { assistant_id: GRAPH, input: { question: "ws?", slow_ms: 1500 } },
          }),
        );
        await Promise.race([
          done,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`no completion; frames: ${seen.join(" ")}`)), 20_000),
          ),
        ]);
        socket.close();
        expect(replies.get(3)).toMatchObject({ type: "success", id: 3 });
        await expectAppliedOnce(threadId, "ws");
      },
    );
  },
);
