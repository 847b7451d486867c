/**
 * Type-level test of the Svelte component map (checked by `svelte-check --tsconfig
 * examples/generative-ui/svelte/tsconfig.json`, run by test/unit/generative-ui-types.test.ts):
 * each `@ts-expect-error` line must NOT compile; were the typing loose, svelte-check would report
 * the directive as unused.
 */
import { components, type SvelteComponentMap } from "./components.ts";
import Forecast from "./Forecast.svelte";

export const ok: SvelteComponentMap = { ...components };
// @ts-expect-error the forecast component where progress props are declared
export const wrong: SvelteComponentMap = { ...components, progress: Forecast };
// @ts-expect-error a component missing from the map
export const missing: SvelteComponentMap = { progress: components.progress, forecast: Forecast };
