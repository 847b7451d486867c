/**
 * The Vue components of the `genui` graph, as typed render functions. `components` is a
 * `VueComponentMap`: one entry per name in shared/ui-props.ts, each a component whose props are
 * exactly that name's (checked by `tsc`). `Approval` emits the user's answer; the app sends it back
 * as `Command({ resume })`.
 */
import { type DefineSetupFnComponent, defineComponent, h, type InjectionKey, inject } from "vue";
import type { ApprovalAnswer, UiName, UiProps } from "../../shared/ui-props.ts";

/** A Vue component per declared name, taking that name's props. */
export type VueComponentMap = { [K in UiName]: DefineSetupFnComponent<UiProps[K]> };

/** Injected by the app: how a component answers the graph. */
export const ANSWER = Symbol("answer") as InjectionKey<(a: ApprovalAnswer) => void>;

const Progress = defineComponent(
  (props: UiProps["progress"]) => () =>
    h(
      "section",
      {
        class: "card",
        "data-testid": "progress",
        "data-step": props.step,
        "aria-label": "Progress",
      },
      [
        h("h2", props.done ? "Done" : "Working…"),
        h(
          "div",
          {
            class: "bar",
            role: "progressbar",
            "aria-label": props.label,
            "aria-valuemin": 0,
            "aria-valuemax": props.total,
            "aria-valuenow": props.step,
          },
          [h("div", { style: { width: `${(100 * props.step) / props.total}%` } })],
        ),
        h("p", { class: "status" }, `${props.step}/${props.total} · ${props.label}`),
      ],
    ),
  { props: ["label", "step", "total", "done"] },
);

const Forecast = defineComponent(
  (props: UiProps["forecast"]) => () =>
    h(
      "section",
      { class: "card", "data-testid": "forecast", "aria-label": `Forecast for ${props.city}` },
      [
        h("h2", `Forecast for ${props.city}`),
        h("table", [
          h("thead", [h("tr", [h("th", "Day"), h("th", "High °C"), h("th", "Low °C")])]),
          h(
            "tbody",
            props.days.map((d) =>
              h("tr", { key: d.day }, [h("td", d.day), h("td", d.high), h("td", d.low)]),
            ),
          ),
        ]),
      ],
    ),
  { props: ["city", "days"] },
);

const Approval = defineComponent(
  (props: UiProps["approval"]) => {
    const answer = inject(ANSWER, () => {});
    return () =>
      h(
        "section",
        {
          class: "card",
          "data-testid": "approval",
          "data-status": props.status,
          "aria-label": "Approval",
        },
        [
          h("h2", props.question),
          props.status === "pending"
            ? h("form", { onSubmit: (e: Event) => e.preventDefault() }, [
                h(
                  "button",
                  { type: "button", onClick: () => answer({ approved: true }) },
                  "Approve",
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "secondary",
                    onClick: () => answer({ approved: false }),
                  },
                  "Reject",
                ),
              ])
            : h("p", { class: "status" }, `Answer: ${props.status}`),
        ],
      );
  },
  { props: ["question", "status"] },
);

export const components: VueComponentMap = {
  progress: Progress,
  forecast: Forecast,
  approval: Approval,
};
