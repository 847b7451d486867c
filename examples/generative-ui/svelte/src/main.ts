/**
 * Svelte renderer of the `genui` graph: a `GenUiSession` (shared/session.ts) streams the run from
 * the server named by `?api=` (default: this origin); App.svelte keeps its state in a `$state` rune,
 * so each streamed UI message updates the component with that id in place (keyed `#each`).
 */
import { mount } from "svelte";
import App from "./App.svelte";
import "../../shared/app.css";

mount(App, { target: document.getElementById("app")! });
