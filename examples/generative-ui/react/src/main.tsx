/**
 * React renderer of the `genui` graph: `useStream` runs it on the server named by `?api=` (default:
 * this origin), `onCustomEvent` folds the streamed UI messages into the state with
 * `uiMessageReducer`, and `LoadExternalComponent` renders each with the local `components` map
 * (components missing from the map would be loaded from the server's `/ui/genui` bundle).
 */
import { useStream } from "@langchain/langgraph-sdk/react";
import {
  isRemoveUIMessage,
  isUIMessage,
  LoadExternalComponent,
  type UIMessage,
  uiMessageReducer,
} from "@langchain/langgraph-sdk/react-ui";
import { type ComponentProps, StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { isDeclared } from "../../shared/ui-props.ts";
import { components } from "./components.tsx";
import "../../shared/app.css";

const apiUrl = new URLSearchParams(window.location.search).get("api") ?? window.location.origin;

/**
 * `LoadExternalComponent` takes an untyped stream and component map (`Record<string, Component<{}>>`);
 * the map is checked against shared/ui-props.ts where it is declared (`ReactComponentMap`).
 */
type External = ComponentProps<typeof LoadExternalComponent>;

type State = { messages: { type: string; content: unknown }[]; ui?: UIMessage[] };

function App() {
  const [text, setText] = useState("Weather in Lisbon");
  const stream = useStream<State>({
    apiUrl,
    assistantId: "genui",
    onCustomEvent: (event, { mutate }) => {
      if (isUIMessage(event) || isRemoveUIMessage(event))
        mutate((prev) => ({ ui: uiMessageReducer(prev.ui ?? [], event) }));
    },
  });
  const ui = (stream.values.ui ?? []).filter(isDeclared);
  return (
    <main>
      <h1>Generative UI — React</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          stream.submit(
            { messages: [{ type: "human", content: text }] },
            { streamMode: ["values", "custom"] },
          );
        }}
      >
        <label>
          Ask
          <input value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit" disabled={stream.isLoading}>
          Send
        </button>
      </form>
      <p className="status" aria-live="polite" data-testid="run-status">
        {stream.isLoading ? "streaming" : stream.interrupt ? "waiting for you" : "idle"}
      </p>
      {stream.error != null && <p role="alert">{String(stream.error)}</p>}
      {ui.map((message) => (
        <LoadExternalComponent
          key={message.id}
          stream={stream as unknown as External["stream"]}
          message={message}
          components={components as unknown as External["components"]}
        />
      ))}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
