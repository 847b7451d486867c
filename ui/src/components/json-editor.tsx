/**
 * A JSON editor on CodeMirror 6 (syntax highlighting, brackets, undo): controlled by `value`, reports
 * every edit through `onChange`. The caller validates (parse + schema) and shows the errors.
 */
import { json } from "@codemirror/lang-json";
import { basicSetup, EditorView } from "codemirror";
import { useEffect, useRef } from "react";

/** The editor; `label` names it for assistive technology. */
export function JsonEditor({
  value,
  onChange,
  label,
  testId,
}: {
  value: string;
  onChange: (text: string) => void;
  label: string;
  testId?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const change = useRef(onChange);
  change.current = onChange;
  // Created once; later `value`s are pushed in by the effect below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: created once
  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      doc: value,
      extensions: [
        basicSetup,
        json(),
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) change.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value)
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);
  return <div ref={host} data-testid={testId} className="max-h-96 overflow-auto" />;
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
