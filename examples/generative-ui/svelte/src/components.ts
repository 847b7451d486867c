/**
 * The Svelte components of the `genui` graph. `components` is a `SvelteComponentMap`: one entry per
 * name in shared/ui-props.ts, each a Svelte 5 component whose props are exactly that name's
 * (checked by `svelte-check`, which types `.svelte` files).
 */
import type { Component } from "svelte";
import type { UiName, UiProps } from "../../shared/ui-props.ts";
import Approval from "./Approval.svelte";
import Forecast from "./Forecast.svelte";
import Progress from "./Progress.svelte";

/** A Svelte component per declared name, taking that name's props. */
export type SvelteComponentMap = { [K in UiName]: Component<UiProps[K]> };

export const components: SvelteComponentMap = {
  progress: Progress,
  forecast: Forecast,
  approval: Approval,
};
