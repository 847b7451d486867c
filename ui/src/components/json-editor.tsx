/**
 * The JSON editor the pages use, and the parser they validate its text with. The editor itself
 * (CodeMirror, codemirror-json.tsx) is a ~400 KB chunk: it loads on first render of an editor, so a
 * page's data is requested and painted without waiting for it (the store page's "Put an item" card
 * held its first paint behind CodeMirror's parse). Until it arrives, an empty box of the editor's
 * size stands in; it carries no label, so nothing can type into it by mistake.
 */
import { lazy, Suspense } from "react";
import type { JsonEditorProps } from "./codemirror-json.tsx";

export type { JsonEditorProps };

const CodeMirrorJson = lazy(() =>
  import("./codemirror-json.tsx").then((m) => ({ default: m.CodeMirrorJson })),
);

/** A JSON editor (CodeMirror 6, loaded on first use). */
export function JsonEditor(props: JsonEditorProps) {
  return (
    <Suspense fallback={<div className="min-h-24 rounded border" aria-busy="true" />}>
      <CodeMirrorJson {...props} />
    </Suspense>
  );
}

/** Parses JSON text: the value, or the parser's message. */
export function parseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: `Invalid JSON: ${(e as Error).message}` };
  }
}
