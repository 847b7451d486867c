/**
 * A JSON editor on CodeMirror 6 (syntax highlighting, brackets, undo): controlled by `value`, reports
 * every edit through `onChange`. The caller validates (parse + schema) and shows the errors. Pages
 * import it through json-editor.tsx, which loads this module (and CodeMirror's ~400 KB chunk) lazily.
 */
import { json } from "@codemirror/lang-json";
import { basicSetup, EditorView } from "codemirror";
import { useEffect, useRef } from "react";

/** The editor's props: controlled `value`, every edit through `onChange`, `label` for assistive tech. */
export interface JsonEditorProps {
  value: string;
  onChange: (text: string) => void;
  label: string;
  testId?: string;
}

/** The editor; `label` names it for assistive technology. */
export function CodeMirrorJson({ value, onChange, label, testId }: JsonEditorProps) {
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
