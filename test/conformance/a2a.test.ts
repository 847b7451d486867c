/**
 * Black-box through the official `@a2a-js/sdk` client on PGlite and PostgreSQL: the v1.0 JSON-RPC
 * client (found through the per-assistant agent card) and the SDK's v0.3 transport (v0.3 method
 * names). `contextId` is the thread id; a graph `interrupt()` is `input-required` and a reply
 * resumes the same task; streaming, `tasks/get`, `tasks/cancel`, failures and errors.
 */
import { randomUUID } from "node:crypto";
import { type Message, Role, type Task, TaskState } from "@a2a-js/sdk";
import { type Client as A2AClient, ClientFactory } from "@a2a-js/sdk/client";
import { LegacyJsonRpcTransport } from "@a2a-js/sdk/compat/v0_3/client";
import { beforeAll, describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const text = (value: string) => ({
  content: { $case: "text" as const, value },
  metadata: undefined,
  filename: "",
  mediaType: "",
});
const message = (value: string, extra: Partial<Message> = {}): Message => ({
  messageId: randomUUID(),
  contextId: "",
  taskId: "",
  role: Role.ROLE_USER,
  parts: [text(value)],
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
  ...extra,
});
const send = (value: string, extra: Partial<Message> = {}, configuration?: object) =>
  ({ tenant: "", message: message(value, extra), configuration, metadata: undefined }) as never;
const partText = (p: { content?: { $case: string; value: unknown } } | undefined) =>
  p?.content?.$case === "text" ? (p.content.value as string) : undefined;
const answer = (t: Task) => partText(t.artifacts[0]?.parts[0]);

// Generous timeouts: each turn runs a graph and reads the thread back, on a shared, loaded machine.
describe.each(sharedServers())(
  "A2A endpoint ($backend)",
  { timeout: 120_000 },
  ({ url, client }) => {
    let assistantId = "";
    let a2a: A2AClient;
    let legacy: LegacyJsonRpcTransport;

    beforeAll(async () => {
      const [assistant] = await client.assistants.search({ graphId: "a2a_chat", limit: 1 });
      assistantId = assistant!.assistant_id;
      // The resolver appends `.well-known/agent-card.json` to the base URL (trailing slash kept).
      a2a = await new ClientFactory().createFromUrl(`${url}/a2a/${assistantId}/`);
      legacy = new LegacyJsonRpcTransport({ endpoint: `${url}/a2a/${assistantId}` });
    }, 120_000);

    it("serves the agent card per assistant and by query, and advertises A2A in /info", async () => {
      const card = await a2a.getAgentCard();
      expect(card.name).toBe("a2a_chat");
      expect(card.description).toBe("Echoes, asks, fails on request");
      expect(card.supportedInterfaces[0]).toMatchObject({
        url: `${url}/a2a/${assistantId}`,
        protocolBinding: "JSONRPC",
        protocolVersion: "1.0",
      });
      const byQuery = await (
        await fetch(`${url}/.well-known/agent-card.json?assistant_id=${assistantId}`)
      ).json();
      expect(byQuery).toMatchObject({
        url: `${url}/a2a/${assistantId}`,
        capabilities: { streaming: true },
      });
      const missing = await fetch(
        `${url}/.well-known/agent-card.json?assistant_id=${randomUUID()}`,
      );
      expect(missing.status).toBe(404);
      const info = (await (await fetch(`${url}/info`)).json()) as {
        flags: Record<string, boolean>;
      };
      expect(info.flags.a2a).toBe(true);
    });

    it("message/send (v1.0): a task per turn, contextId is the thread", async () => {
      const first = (await a2a.sendMessage(send("hello"))) as Task;
      expect(first.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(answer(first)).toBe("echo: hello");
      const thread = await client.threads.get(first.contextId);
      expect(thread.thread_id).toBe(first.contextId);
      const second = (await a2a.sendMessage(send("again", { contextId: first.contextId }))) as Task;
      expect(second.id).not.toBe(first.id);
      expect(second.contextId).toBe(first.contextId);
      expect(answer(second)).toBe("echo: again");
      expect(second.history.map((m) => partText(m.parts[0]))).toEqual([
        "hello",
        "echo: hello",
        "again",
        "echo: again",
      ]);
      expect(second.history[0]!.role).toBe(Role.ROLE_USER);
      expect(second.history[1]!.role).toBe(Role.ROLE_AGENT);
    });

    it("an interrupt is input-required; a reply naming the task resumes it", async () => {
      const asked = (await a2a.sendMessage(send("please ask me"))) as Task;
      expect(asked.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
      expect(partText(asked.status?.message?.parts[0])).toBe("Which colour?");
      const done = (await a2a.sendMessage(
        send("blue", { taskId: asked.id, contextId: asked.contextId }),
      )) as Task;
      expect(done.id).toBe(asked.id);
      expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(answer(done)).toBe("you chose blue");
      const again = await a2a.sendMessage(send("more", { taskId: asked.id })).catch((e) => e);
      expect(String(again?.message)).toMatch(/terminal state/);
    });

    it("tasks/get returns the task, bounded history; unknown tasks are not found", async () => {
      const sent = (await a2a.sendMessage(send("get me"))) as Task;
      const got = await a2a.getTask({ tenant: "", id: sent.id, historyLength: 1 });
      expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(got.history.map((m) => partText(m.parts[0]))).toEqual(["echo: get me"]);
      await expect(a2a.getTask({ tenant: "", id: sent.id, historyLength: 11 })).rejects.toThrow(
        /cannot exceed 10/,
      );
      await expect(a2a.getTask({ tenant: "", id: randomUUID() })).rejects.toThrow(/Task not found/);
    });

    it("message/stream (v1.0): task, working, artifact, final status", async () => {
      const events = [];
      for await (const event of a2a.sendMessageStream(send("stream me"))) events.push(event);
      const cases = events.map((e) => e.payload?.$case);
      expect(cases[0]).toBe("task");
      expect(cases).toContain("statusUpdate");
      const artifact = events.find((e) => e.payload?.$case === "artifactUpdate")?.payload
        ?.value as unknown as {
        artifact: { parts: never[] };
      };
      expect(partText(artifact.artifact.parts[0])).toBe("echo: stream me");
      const last = events.at(-1)?.payload;
      expect(last?.$case).toBe("statusUpdate");
      expect((last?.value as { status: { state: TaskState } }).status.state).toBe(
        TaskState.TASK_STATE_COMPLETED,
      );
    });

    it("tasks/cancel cancels a running task; a finished one is not cancelable", async () => {
      const started = (await a2a.sendMessage(send("slow please"), undefined)) as Task;
      expect(started.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const running = (await a2a.sendMessage(
        send("slow again", {}, { returnImmediately: true, acceptedOutputModes: [] }),
      )) as Task;
      expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(
        running.status?.state,
      );
      const cancelled = await a2a.cancelTask({ tenant: "", id: running.id, metadata: undefined });
      expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      await expect(
        a2a.cancelTask({ tenant: "", id: started.id, metadata: undefined }),
      ).rejects.toThrow(/not cancelable/);
    });

    it("a failing graph is a failed task", async () => {
      const failed = (await a2a.sendMessage(send("please fail"))) as Task;
      expect(failed.status?.state).toBe(TaskState.TASK_STATE_FAILED);
      expect(partText(failed.status?.message?.parts[0])).toMatch(/Error executing assistant/);
    });

    it("v0.3 method names through the SDK's v0.3 transport, and v0.3 wire shapes", async () => {
      const sent = (await legacy.sendMessage(send("old client"))) as Task;
      expect(sent.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(answer(sent)).toBe("echo: old client");
      const got = await legacy.getTask({ tenant: "", id: sent.id, historyLength: 2 });
      expect(got.history).toHaveLength(2);
      const streamed = [];
      for await (const e of legacy.sendMessageStream(
        send("old stream", { contextId: sent.contextId }),
      ))
        streamed.push(e.payload?.$case);
      expect(streamed[0]).toBe("task");
      expect(streamed.at(-1)).toBe("statusUpdate");
      const raw = await fetch(`${url}/a2a/${assistantId}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tasks/get",
          params: { id: sent.id },
        }),
      });
      const body = (await raw.json()) as { id: number; result: Record<string, any> };
      expect(body.id).toBe(7);
      expect(body.result).toMatchObject({ kind: "task", status: { state: "completed" } });
      expect(body.result.history[0]).toMatchObject({ kind: "message", role: "user" });
      const v1 = await fetch(`${url}/a2a/${assistantId}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 8, method: "GetTask", params: { id: sent.id } }),
      });
      expect(((await v1.json()) as { result: any }).result.status.state).toBe(
        "TASK_STATE_COMPLETED",
      );
    });

    it("refuses a contextId that is not a UUID, unknown methods, and a wrong Accept", async () => {
      const rpc = (method: string, params: unknown, accept = "application/json") =>
        fetch(`${url}/a2a/${assistantId}`, {
          method: "POST",
          headers: { "content-type": "application/json", accept },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
      const bad = await rpc("message/send", {
        message: {
          role: "user",
          messageId: "m",
          contextId: "session-42",
          parts: [{ kind: "text", text: "x" }],
        },
      });
      expect(((await bad.json()) as any).error).toMatchObject({
        code: -32602,
        message: "Failed to create run: Invalid thread ID",
      });
      const unknown = await rpc("tasks/resubscribe", { id: "x" });
      expect(((await unknown.json()) as any).error.code).toBe(-32601);
      expect((await rpc("message/stream", {}, "application/json")).status).toBe(400);
      expect((await fetch(`${url}/a2a/${assistantId}`)).status).toBe(405);
    });
  },
);
