/**
 * Vue renderer of the `genui` graph: a `GenUiSession` (shared/session.ts) streams the run from the
 * server named by `?api=` (default: this origin); its state is a `shallowRef`, so each streamed UI
 * message re-renders the component with that id in place. Components come from the typed map;
 * `Approval`'s answer goes back as `Command({ resume })`.
 */
import { createApp, defineComponent, h, provide, shallowRef } from "vue";
import { apiUrlOf, GenUiSession, type SessionState } from "../../shared/session.ts";
import { ANSWER, components } from "./components.ts";
import "../../shared/app.css";

const session = new GenUiSession(apiUrlOf(window.location));

const App = defineComponent(() => {
  const state = shallowRef<SessionState>(session.state);
  session.subscribe((s) => {
    state.value = s;
  });
  const text = shallowRef("Weather in Lisbon");
  provide(ANSWER, (answer) => void session.answer(answer));
  const submit = (e: Event) => {
    e.preventDefault();
    void session.ask(text.value);
  };
  return () => {
    const s = state.value;
    return h("main", [
      h("h1", "Generative UI — Vue"),
      h("form", { onSubmit: submit }, [
        h("label", [
          "Ask",
          h("input", {
            value: text.value,
            onInput: (e: Event) => {
              text.value = (e.target as HTMLInputElement).value;
            },
          }),
        ]),
        h("button", { type: "submit", disabled: s.status === "streaming" }, "Send"),
      ]),
      h(
        "p",
        { class: "status", "aria-live": "polite", "data-testid": "run-status" },
        s.status === "interrupted" ? "waiting for you" : s.status,
      ),
      s.error ? h("p", { role: "alert" }, s.error) : null,
      ...s.ui.map((m) => h(components[m.name] as never, { key: m.id, ...m.props })),
    ]);
  };
});

createApp(App).mount("#app");
