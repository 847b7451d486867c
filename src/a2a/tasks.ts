/**
 * A2A tasks over LangGraph runs: a task is a run (its id the run id), its context the thread
 * (`contextId` = `thread_id`, a UUID). Everything goes through the SDK `Client` bound to the
 * loopback as the caller, so auth handlers and scopes apply as on the REST routes. A task waiting
 * on `interrupt()` is `input-required`; a reply naming it resumes the graph with the reply as the
 * resume value, in a new run tagged `metadata.a2a_task_id`, so the task keeps its id.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "@langchain/langgraph-sdk";
import { answerOf, historyOf, inputOf, interruptParts, resumeOf } from "./convert.ts";
import {
  type A2AMessage,
  type A2ATask,
  InvalidParams,
  isTerminal,
  type TaskState,
} from "./wire.ts";

/** JSON-RPC error codes of A2A. */
export const A2A_ERRORS = {
  invalidParams: -32602,
  internal: -32603,
  taskNotFound: -32001,
  taskNotCancelable: -32002,
  unsupported: -32004,
} as const;

/** An A2A error with its JSON-RPC code. */
export class A2AError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "A2AError";
  }
}

/** Finds the thread and latest run of a task id (unscoped; reads then go through the caller). */
export interface TaskIndex {
  locate(taskId: string): Promise<{ threadId: string; runId: string } | null>;
}

type Run = {
  run_id: string;
  thread_id: string;
  status: string;
  metadata?: Record<string, unknown> | null;
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const statusOf = (e: unknown) => (e as { status?: number })?.status;

function fromSdkError(e: unknown, what: string): never {
  const status = statusOf(e);
  const msg = (e as Error)?.message ?? String(e);
  if (status === 404) throw new A2AError(A2A_ERRORS.invalidParams, `${what} not found`);
  if (status === 403)
    throw new A2AError(A2A_ERRORS.invalidParams, "Access denied to assistant or thread");
  if (status != null && status < 500)
    throw new A2AError(A2A_ERRORS.invalidParams, `Failed to create run: ${msg}`);
  throw e;
}

/** Task operations for one caller and one assistant. */
export class TaskEngine {
  constructor(
    private readonly client: Client,
    private readonly index: TaskIndex,
    private readonly assistantId: string,
  ) {}

  /**
   * Checks the assistant exists (as the caller). The platform also refuses graphs without a
   * `messages` input; that needs the graph's schemas, whose first extraction can take seconds,
   * so it is not done on every message here: such a graph receives the input as is.
   */
  async checkAssistant(): Promise<void> {
    await this.client.assistants
      .get(this.assistantId)
      .catch((e) => fromSdkError(e, `Assistant '${this.assistantId}'`));
  }

  /** Starts (or resumes) the task a message belongs to; returns its first run. */
  async start(message: A2AMessage): Promise<Run> {
    await this.checkAssistant();
    if (message.taskId) return this.#resume(message);
    const contextId = message.contextId ?? randomUUID();
    if (!UUID.test(contextId))
      throw new A2AError(A2A_ERRORS.invalidParams, "Failed to create run: Invalid thread ID");
    return (await this.client.runs
      .create(contextId, this.assistantId, {
        input: inputOf(message),
        ifNotExists: "create",
        streamMode: ["values"],
        streamResumable: true,
      })
      .catch((e) => fromSdkError(e, `Assistant '${this.assistantId}'`))) as Run;
  }

  async #resume(message: A2AMessage): Promise<Run> {
    const taskId = message.taskId!;
    const found = await this.#find(taskId);
    if (message.contextId && message.contextId !== found.thread_id)
      throw new A2AError(A2A_ERRORS.invalidParams, "contextId does not match the task's context");
    const task = await this.task(found);
    if (isTerminal(task.state))
      throw new A2AError(
        A2A_ERRORS.unsupported,
        `Task ${taskId} is in a terminal state (${task.state}); send the contextId alone to start a new task`,
      );
    if (task.state !== "input-required")
      throw new A2AError(A2A_ERRORS.unsupported, `Task ${taskId} is still ${task.state}`);
    return (await this.client.runs
      .create(found.thread_id, this.assistantId, {
        command: { resume: resumeOf(message) },
        metadata: { a2a_task_id: taskId },
        streamMode: ["values"],
        streamResumable: true,
      })
      .catch((e) => fromSdkError(e, `Assistant '${this.assistantId}'`))) as Run;
  }

  /** Waits for a run to settle and describes its task. */
  async finish(run: Run, historyLength?: number): Promise<A2ATask> {
    const result = (await this.client.runs.join(run.thread_id, run.run_id)) as Record<
      string,
      unknown
    > | null;
    const error =
      result && typeof result === "object"
        ? (result.__error__ as { message?: string; error?: string } | undefined)
        : undefined;
    return this.task((await this.client.runs.get(run.thread_id, run.run_id)) as Run, {
      historyLength,
      error,
    });
  }

  /** The current task of a task id (`tasks/get`). */
  async get(taskId: string, historyLength?: number): Promise<A2ATask> {
    return this.task(await this.#find(taskId), { historyLength });
  }

  /** Cancels a running task (`tasks/cancel`). */
  async cancel(taskId: string): Promise<A2ATask> {
    const run = await this.#find(taskId);
    const before = await this.task(run);
    if (isTerminal(before.state) || before.state === "input-required")
      throw new A2AError(
        A2A_ERRORS.taskNotCancelable,
        `Task not cancelable: ${taskId} (${before.state})`,
      );
    await this.client.runs.cancel(run.thread_id, run.run_id, true).catch((e) => {
      if (statusOf(e) !== 409 && statusOf(e) !== 404) throw e;
    });
    return this.task((await this.client.runs.get(run.thread_id, run.run_id)) as Run);
  }

  async #find(taskId: string): Promise<Run> {
    const hit = UUID.test(taskId) ? await this.index.locate(taskId) : null;
    if (!hit) throw new A2AError(A2A_ERRORS.taskNotFound, `Task not found: ${taskId}`);
    try {
      return (await this.client.runs.get(hit.threadId, hit.runId)) as Run;
    } catch (e) {
      if (statusOf(e) === 404 || statusOf(e) === 403)
        throw new A2AError(A2A_ERRORS.taskNotFound, `Task not found: ${taskId}`);
      throw e;
    }
  }

  /** Describes the task of a run, reading the thread's state as the caller. */
  async task(
    run: Run,
    o: { historyLength?: number; error?: { message?: string; error?: string } } = {},
  ): Promise<A2ATask> {
    const taskId = (run.metadata?.a2a_task_id as string | undefined) ?? run.run_id;
    const contextId = run.thread_id;
    const state = await this.client.threads.getState(contextId).catch(() => null);
    const pending = (state?.tasks ?? []).flatMap(
      (t) => (t as { interrupts?: { value?: unknown }[] }).interrupts ?? [],
    );
    const latest = (await this.client.runs.list(contextId, { limit: 1 }).catch(() => []))[0];
    const taskState = stateOf(run.status, pending.length > 0 && latest?.run_id === run.run_id);
    let history = historyOf(state?.values, taskId, contextId);
    if (o.historyLength != null)
      history = o.historyLength === 0 ? [] : history.slice(-o.historyLength);
    const agent = (parts: A2AMessage["parts"]): A2AMessage => ({
      role: "agent",
      parts,
      messageId: randomUUID(),
      taskId,
      contextId,
    });
    const task: A2ATask = {
      id: taskId,
      contextId,
      state: taskState,
      timestamp: new Date().toISOString(),
      history,
      artifacts: [],
    };
    if (taskState === "completed")
      task.artifacts.push({
        artifactId: `${run.run_id}-response`,
        name: "Assistant Response",
        parts: answerOf(state?.values),
      });
    else if (taskState === "input-required")
      task.statusMessage = agent(interruptParts(pending[0]?.value));
    else if (taskState === "failed")
      task.statusMessage = agent([
        {
          text: `Error executing assistant: ${[o.error?.error, o.error?.message].filter(Boolean).join(": ") || run.status}`,
        },
      ]);
    return task;
  }
}

function stateOf(status: string, waitingOnInput: boolean): TaskState {
  switch (status) {
    case "pending":
      return "submitted";
    case "running":
      return "working";
    case "success":
      return waitingOnInput ? "input-required" : "completed";
    case "interrupted":
      return waitingOnInput ? "input-required" : "canceled";
    default:
      return "failed";
  }
}

export { InvalidParams };
