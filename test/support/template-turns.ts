/**
 * The template end-to-end turns (test/e2e/templates.*.test.ts), as a new user goes through them:
 * our packed package (pack.ts) installed into a fresh copy of a project shaped like an official
 * template (template-project.ts) that owns its LangChain packages; `olg dev` from the project's
 * node_modules/.bin; SDK 1.15.0 drives a full tool-calling turn against a local OpenAI-compatible
 * server (@langchain/openai talks real HTTP to it through OPENAI_BASE_URL from the project's .env):
 * messages streamed, an interrupt raised by the tool and resumed with a Command, `/info` reporting
 * the project's LangGraph version. `replayImage` builds a project the way `olg dockerfile` tells
 * Docker to, replays it in a clean folder, starts it as uid 1000, probes it with the image's
 * HEALTHCHECK and stops it with SIGTERM. What a turn starts and makes is undone by `cleanUp()`.
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { expect } from "vitest";
import { replayDockerfile, whichInImage } from "./dockerfile-replay.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.ts";
import { packOnce } from "./pack.ts";
import {
  freePort,
  installedIn,
  makeProject,
  NEWEST,
  OPTIONAL_PEERS,
  type Started,
  start,
  type Versions,
  waitOk,
} from "./template-project.ts";

/** What each test started (stopped first, in parallel) and the folders it made (removed after). */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
const folders: string[] = [];

/** Stops what the test started (in parallel), then removes its folders: the files' afterEach. */
export async function cleanUp(): Promise<void> {
  await Promise.all(cleanups.splice(0).map((clean) => clean()));
  await Promise.all(
    folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })),
  );
}

/** Starts `olg dev` in `dir` from the project's own bin; returns the API URL. */
async function dev(dir: string): Promise<{ url: string; server: Started }> {
  const port = await freePort();
  const server = start(
    path.join(dir, "node_modules/.bin/olg"),
    ["dev", "--port", String(port), "--no-browser"],
    { cwd: dir, env: { ...process.env, CI: "true", NO_COLOR: "1", DATABASE_URL: "" } },
  );
  cleanups.push(() => server.stop());
  const url = `http://localhost:${port}`;
  await waitOk(`${url}/ok`, server.child, server.output);
  return { url, server };
}

async function project(template: string, versions: Versions, fake: FakeOpenAI) {
  const dir = await makeProject(template, versions, await packOnce());
  folders.push(dir);
  // The template's .env, as a user fills it in.
  writeFileSync(
    path.join(dir, ".env"),
    `OPENAI_API_KEY=sk-test-not-a-real-key\nOPENAI_BASE_URL=${fake.url}\n`,
  );
  return dir;
}

async function collect(stream: AsyncIterable<{ event: string; data: any }>) {
  const events: { event: string; data: any }[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Text of the AI message chunks streamed in messages-tuple mode. */
const streamedText = (events: { event: string; data: any }[]) =>
  events
    .filter((e) => e.event === "messages")
    .map((e) => e.data[0])
    .filter((m) => m.type === "AIMessageChunk" || m.type === "ai")
    .map((m) => (typeof m.content === "string" ? m.content : ""))
    .join("");

async function expectProjectVersions(url: string, dir: string, versions: Versions) {
  const info = await (await fetch(`${url}/info`)).json();
  expect(installedIn(dir, "@langchain/langgraph")).toBe(versions["@langchain/langgraph"]);
  expect(installedIn(dir, "@langchain/core")).toBe(versions["@langchain/core"]);
  expect(installedIn(dir, "@langchain/langgraph-checkpoint")).toBe(
    versions["@langchain/langgraph-checkpoint"],
  );
  expect(info.langgraph_js_version).toBe(versions["@langchain/langgraph"]);
  // Optional peers (better-sqlite3) are not pulled into a project that did not ask for them.
  for (const name of OPTIONAL_PEERS) {
    expect(existsSync(path.join(dir, "node_modules", name)), name).toBe(false);
  }
}

export async function reactAgentTurn(versions: Versions) {
  const fake = await startFakeOpenAI({ search: { query: "Paris" } });
  cleanups.push(() => fake.close());
  const dir = await project("react-agent", versions, fake);
  const { url } = await dev(dir);
  await expectProjectVersions(url, dir, versions);
  const client = new Client({ apiUrl: url });
  const [assistant] = await client.assistants.search({ graphId: "agent" });
  expect(assistant?.graph_id).toBe("agent");
  const thread = await client.threads.create();

  const first = await collect(
    client.runs.stream(thread.thread_id, "agent", {
      input: { messages: [{ role: "user", content: "What is the weather in Paris?" }] },
      streamMode: ["messages-tuple", "updates"],
    }),
  );
  // The model's tool call arrived as streamed chunks, then the tool stopped at its interrupt.
  const chunks = first.filter((e) => e.event === "messages").map((e) => e.data[0]);
  expect(chunks.some((m) => (m.tool_call_chunks ?? []).length > 0)).toBe(true);
  const interrupted = first.find((e) => e.event === "updates" && e.data.__interrupt__);
  expect(interrupted?.data.__interrupt__[0].value).toEqual({
    question: 'Search the web for "Paris"?',
  });
  const paused = await client.threads.getState(thread.thread_id);
  expect(paused.next).toEqual(["tools"]);

  const second = await collect(
    client.runs.stream(thread.thread_id, "agent", {
      command: { resume: "yes" },
      streamMode: ["messages-tuple", "values"],
    }),
  );
  const answer = "Done. The tool said: Weather in Paris: sunny, 21 degrees";
  expect(streamedText(second)).toBe(answer);
  const final = second.filter((e) => e.event === "values").pop()!.data;
  expect(final.messages.map((m: { type: string }) => m.type)).toEqual([
    "human",
    "ai",
    "tool",
    "ai",
  ]);
  expect(final.messages[2].content).toBe("Weather in Paris: sunny, 21 degrees");
  expect(final.messages[3].content).toBe(answer);
  const state = await client.threads.getState(thread.thread_id);
  expect(state.next).toEqual([]);
  // Real HTTP to the fake: streamed requests, the tool result sent back on the second call.
  expect(fake.requests.length).toBe(2);
  expect(fake.requests.every((r) => r.model === "gpt-4o-mini" && r.tools.includes("search"))).toBe(
    true,
  );
  expect(fake.requests.some((r) => r.stream)).toBe(true);
  expect(fake.requests[1]!.messages.some((m) => m.role === "tool")).toBe(true);
}

export async function memoryAgentTurn(versions: Versions) {
  const fake = await startFakeOpenAI({
    upsertMemory: { content: "User loves pizza", context: "Said so while chatting" },
  });
  cleanups.push(() => fake.close());
  const dir = await project("memory-agent", versions, fake);
  const { url } = await dev(dir);
  await expectProjectVersions(url, dir, versions);
  const client = new Client({ apiUrl: url });
  const userId = `user-${Date.now()}`;
  const config = { configurable: { userId } };
  const thread = await client.threads.create();
  const first = await collect(
    client.runs.stream(thread.thread_id, "memory_agent", {
      input: { messages: [{ role: "user", content: "I love pizza." }] },
      config,
      streamMode: ["messages-tuple", "updates"],
    }),
  );
  const interrupt = first.find((e) => e.event === "updates" && e.data.__interrupt__);
  expect(interrupt?.data.__interrupt__[0].value).toEqual({
    question: "Remember this?",
    memories: [{ content: "User loves pizza", context: "Said so while chatting" }],
  });
  expect(await client.store.searchItems(["memories", userId])).toEqual({ items: [] });

  const second = await collect(
    client.runs.stream(thread.thread_id, "memory_agent", {
      command: { resume: "yes" },
      config,
      streamMode: ["messages-tuple", "values"],
    }),
  );
  expect(streamedText(second)).toMatch(/^Done\. The tool said: Stored memory [0-9a-f-]{36}$/);
  const { items } = await client.store.searchItems(["memories", userId]);
  expect(items.map((i) => i.value)).toEqual([
    { content: "User loves pizza", context: "Said so while chatting" },
  ]);

  // A new conversation: the memory comes back from the store into the model's system prompt.
  const other = await client.threads.create();
  await client.runs.wait(other.thread_id, "memory_agent", {
    input: { messages: [{ role: "user", content: "What do I like?" }] },
    config,
  });
  const system = fake.requests.at(-1)!.messages[0]!;
  expect(system.role).toBe("system");
  expect(String(system.content)).toContain("User loves pizza");
  return { dir, fake };
}

/** Builds the project as `olg dockerfile`'s Dockerfile says, then runs it as the image would. */
export async function replayImage(dir: string, fake: FakeOpenAI) {
  const olg = path.join(dir, "node_modules/.bin/olg");
  const written = start(olg, ["dockerfile", "--add-docker-compose"], {
    cwd: dir,
    env: process.env,
  });
  expect(await new Promise((r) => written.child.once("exit", r))).toBe(0);
  // The image is built from the project's files only: no host node_modules, no .olg, no .env.
  const workspace = `${dir}-image`;
  folders.push(workspace);
  rmSync(path.join(dir, ".olg"), { recursive: true, force: true });
  const image = replayDockerfile(path.join(dir, "Dockerfile"), dir, workspace);
  chmodSync(workspace, 0o755);
  expect(image.user).toEqual({ uid: 1000, gid: 1000 });
  const inImage = readFileSync(image.map("package.json"), "utf-8");
  expect(JSON.parse(inImage).dependencies["@langchain/langgraph"]).toBe(
    NEWEST["@langchain/langgraph"],
  );
  const port = await freePort();
  const [entry, ...args] = image.command;
  const env = {
    ...image.env,
    PATH: process.env.PATH,
    HOME: image.root,
    PORT: String(port),
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.url,
  };
  const server = start(
    whichInImage(image, entry!),
    args.map((a) => (a.startsWith("/app/") ? image.map(a) : a)),
    { cwd: image.map("."), env, uid: image.user!.uid, gid: image.user!.gid },
  );
  cleanups.push(() => server.stop());
  await waitOk(`http://127.0.0.1:${port}/ok`, server.child, server.output);
  const [cmd, ...cmdArgs] = image.healthcheck!;
  const probe = start(cmd!, cmdArgs, { cwd: image.map("."), env });
  expect(await new Promise((r) => probe.child.once("exit", r))).toBe(0);
  const client = new Client({ apiUrl: `http://127.0.0.1:${port}` });
  const [assistant] = await client.assistants.search({ graphId: "memory_agent" });
  expect(assistant?.graph_id).toBe("memory_agent");
  // SIGTERM drains and exits cleanly, as `docker stop` expects.
  expect(await server.stop()).toBe(0);
}
