/**
 * Type-level test of the shared component interfaces (compiled by `tsc -p
 * examples/generative-ui/tsconfig.json`, run by test/unit/generative-ui-types.test.ts): each
 * `@ts-expect-error` line is a wrong prop or component that must NOT compile; were the typing loose,
 * the directive would be unused and `tsc` would fail (TS2578). The Svelte map has the same checks in
 * svelte/src/types.check.ts (svelte-check).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { typedUi } from "@langchain/langgraph-sdk/react-ui/server";
import { type ReactComponentMap, components as reactComponents } from "./react/src/components.tsx";
import type { UiDecl, UiProps } from "./shared/ui-props.ts";
import { type VueComponentMap, components as vueComponents } from "./vue/src/components.ts";

export function graphSide(config: LangGraphRunnableConfig) {
  const ui = typedUi<UiDecl>(config);
  ui.push({ name: "progress", props: { label: "a", step: 1, total: 3, done: false } });
  ui.push({ name: "progress", props: { step: 2 } }, { merge: true });
  // @ts-expect-error a prop of the wrong type
  ui.push({ name: "progress", props: { label: "a", step: "1", total: 3, done: false } });
  // @ts-expect-error a required prop missing (without merge)
  ui.push({ name: "forecast", props: { city: "Paris" } });
  // @ts-expect-error a status the approval component does not know
  ui.push({ name: "approval", props: { question: "?", status: "maybe" } });
  // @ts-expect-error a component that is not declared
  ui.push({ name: "chart", props: {} });
}

export function reactSide(Progress: ReactComponentMap["progress"]) {
  const ok: ReactComponentMap = { ...reactComponents };
  // @ts-expect-error a component missing from the map
  const missing: ReactComponentMap = { progress: Progress, forecast: ok.forecast };
  const wrongProps = (_: { city: number }) => null;
  // @ts-expect-error a component taking other props than declared
  const wrong: ReactComponentMap = { ...ok, forecast: wrongProps };
  return [missing, wrong];
}

export function vueSide() {
  const ok: VueComponentMap = { ...vueComponents };
  // @ts-expect-error the progress component where forecast props are declared
  const wrong: VueComponentMap = { ...ok, forecast: ok.progress };
  return wrong;
}

/** The props one name carries, as renderers receive them. */
export type ForecastProps = UiProps["forecast"];
