/**
 * The generative-UI example graph (`genui`), deterministic and offline (fake model):
 * 1. `research` pushes a `progress` component, then re-pushes it with `merge: true` three times as
 *    its steps finish (~150 ms apart), so a renderer's component updates while the run streams;
 * 2. `report` asks the fake model for a one-line summary, pushes a `forecast` card (tied to its AI
 *    message) and a pending `approval` component;
 * 3. `confirm` pauses on `interrupt()`; the renderer's buttons
 *    resume the run with `Command({ resume: { approved } })`, and the same component (same id,
 *    merge) turns "approved" or "rejected".
 * Every push goes through `typedUi<UiDecl>`, so a name or prop not declared in shared/ui-props.ts
 * fails to compile. UI messages are streamed as `custom` events and kept in the `ui` state key
 * (reduced with `uiMessageReducer`), so a reload or a late client sees them in the thread's state.
 */
import { AIMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import {
  Annotation,
  END,
  interrupt,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";
import {
  type RemoveUIMessage,
  typedUi,
  type UIMessage,
  uiMessageReducer,
} from "@langchain/langgraph-sdk/react-ui/server";
import type { ApprovalAnswer, UiDecl } from "./shared/ui-props.ts";

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  ui: Annotation<UIMessage[], UIMessage | RemoveUIMessage | (UIMessage | RemoveUIMessage)[]>({
    reducer: uiMessageReducer,
    default: () => [],
  }),
  city: Annotation<string>(),
});
type S = typeof State.State;

const STEPS = ["Reading the question", "Fetching the forecast", "Writing the answer"];
/** Milliseconds between progress updates (so a renderer shows each). */
const STEP_MS = Number(process.env.GENUI_STEP_MS ?? 150);

const model = new FakeListChatModel({ responses: ["Mild and dry all week."], sleep: 5 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The city named in the last human message ("Weather in Paris" → "Paris"). */
function cityOf(state: S): string {
  const text = String(state.messages.at(-1)?.content ?? "");
  return /in ([\p{L} -]+)/u.exec(text)?.[1]?.trim() || "Paris";
}

async function research(state: S, config: LangGraphRunnableConfig) {
  const ui = typedUi<UiDecl>(config);
  const id = `progress-${config.metadata?.run_id ?? "run"}`;
  ui.push({ id, name: "progress", props: { label: STEPS[0]!, step: 0, total: 3, done: false } });
  for (const [i, label] of STEPS.entries()) {
    await sleep(STEP_MS);
    const done = i === STEPS.length - 1;
    ui.push({ id, name: "progress", props: { label, step: i + 1, done } }, { merge: true });
  }
  return { city: cityOf(state) };
}

async function report(state: S, config: LangGraphRunnableConfig) {
  const ui = typedUi<UiDecl>(config);
  const summary = await model.invoke(state.messages);
  const message = new AIMessage({ content: `${state.city}: ${summary.content}` });
  const days = ["Mon", "Tue", "Wed"].map((day, i) => ({ day, high: 18 + i, low: 9 + i }));
  ui.push({ name: "forecast", props: { city: state.city, days } }, { message });
  // Pushed here, not in `confirm`: writes of a node that interrupts are not kept in the state.
  const question = `Send the ${state.city} forecast to the team?`;
  ui.push({ id: approvalId(config), name: "approval", props: { question, status: "pending" } });
  return { messages: [message] };
}

/** One approval component per thread: the push after resuming updates it in place. */
const approvalId = (config: LangGraphRunnableConfig) =>
  `approval-${config.configurable?.thread_id ?? "stateless"}`;

function confirm(state: S, config: LangGraphRunnableConfig) {
  const ui = typedUi<UiDecl>(config);
  const answer = interrupt<{ question: string }, ApprovalAnswer>({
    question: `Send the ${state.city} forecast to the team?`,
  });
  const status = answer?.approved === true ? "approved" : "rejected";
  ui.push({ id: approvalId(config), name: "approval", props: { status } }, { merge: true });
  return { messages: [new AIMessage({ content: status === "approved" ? "Sent." : "Not sent." })] };
}

export const graph = new StateGraph(State)
  .addNode("research", research)
  .addNode("report", report)
  .addNode("confirm", confirm)
  .addEdge(START, "research")
  .addEdge("research", "report")
  .addEdge("report", "confirm")
  .addEdge("confirm", END)
  .compile();
