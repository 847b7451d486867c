/**
 * A framework-free run session for renderers without `useStream` (the Vue and Svelte examples):
 * creates a thread on the server, streams the `genui` graph with `streamMode: ["values", "custom"]`
 * through the SDK `Client`, and keeps `ui` with `uiMessageReducer` — `custom` events update
 * components as they stream, and each `values` chunk (the server's state, `ui` key) replaces them.
 * `answer()` resumes an interrupted run with `Command({ resume })` on the same thread. Listeners
 * get a new snapshot (`SessionState`) on every change.
 */
import { Client } from "@langchain/langgraph-sdk";
import {
  type RemoveUIMessage,
  type UIMessage,
  uiMessageReducer,
} from "@langchain/langgraph-sdk/react-ui/server";
import { type ApprovalAnswer, isDeclared, type TypedUiMessage } from "./ui-props.ts";

export type RunStatus = "idle" | "streaming" | "interrupted" | "error";

/** What a renderer shows. */
export interface SessionState {
  status: RunStatus;
  threadId: string | null;
  /** The declared UI components, in push order. */
  ui: TypedUiMessage[];
  error: string | null;
}

const isUiEvent = (data: unknown): data is UIMessage | RemoveUIMessage =>
  typeof data === "object" &&
  data !== null &&
  ((data as { type?: unknown }).type === "ui" || (data as { type?: unknown }).type === "remove-ui");

/** The API URL a page was opened with (`?api=`), else its own origin. */
export function apiUrlOf(location: Location): string {
  return new URLSearchParams(location.search).get("api") ?? location.origin;
}

export class GenUiSession {
  private readonly client: Client;
  private raw: UIMessage[] = [];
  private listeners = new Set<(state: SessionState) => void>();
  state: SessionState = { status: "idle", threadId: null, ui: [], error: null };

  constructor(
    apiUrl: string,
    private readonly assistantId = "genui",
  ) {
    this.client = new Client({ apiUrl });
  }

  /** Calls `listener` on every change (and once now); returns the unsubscribe. */
  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Starts a run on a new thread with `text` as the human message. */
  async ask(text: string): Promise<void> {
    const thread = await this.client.threads.create();
    this.raw = [];
    this.set({ threadId: thread.thread_id, ui: [], error: null });
    await this.stream({ input: { messages: [{ type: "human", content: text }] } });
  }

  /** Resumes the interrupted run with the user's answer. */
  async answer(answer: ApprovalAnswer): Promise<void> {
    await this.stream({ command: { resume: answer } });
  }

  private async stream(payload: { input?: unknown; command?: { resume: unknown } }) {
    const threadId = this.state.threadId;
    if (!threadId) throw new Error("No thread yet");
    this.set({ status: "streaming", error: null });
    try {
      const parts = this.client.runs.stream(threadId, this.assistantId, {
        ...(payload as Record<string, never>),
        streamMode: ["values", "custom"],
      });
      for await (const part of parts) {
        if (part.event === "custom" && isUiEvent(part.data)) {
          this.raw = uiMessageReducer(this.raw, part.data);
        } else if (part.event === "values") {
          const values = part.data as { ui?: UIMessage[] };
          if (values.ui) this.raw = values.ui;
        } else if (part.event === "error") {
          throw new Error(JSON.stringify(part.data));
        } else continue;
        this.set({ ui: this.raw.filter(isDeclared) });
      }
      // The thread's status says whether the run stopped on an interrupt.
      const thread = await this.client.threads.get(threadId);
      this.set({ status: thread.status === "interrupted" ? "interrupted" : "idle" });
    } catch (error) {
      this.set({ status: "error", error: error instanceof Error ? error.message : String(error) });
    }
  }

  private set(patch: Partial<SessionState>) {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }
}
