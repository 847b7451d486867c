/**
 * One assistant: its settings as JSON (`name`, `description`, `config`, `context`, `metadata`) in a
 * CodeMirror editor, checked as you type (JSON syntax, then the graph's context/config schema) with
 * the save button off while anything is wrong; hinted schema properties as form fields; its
 * versions, with "Set active" (`POST /assistants/:id/latest`). Saving makes a new version.
 */
import type { Assistant, AssistantVersion } from "@langchain/langgraph-sdk";
import { useCallback, useEffect, useState } from "react";
import { JsonEditor, parseJson } from "../components/json-editor.tsx";
import { OapForm } from "../components/oap-form.tsx";
import { Button, Card, ErrorBanner, PageTitle, Table } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { time } from "../lib/format.ts";
import { Editing } from "../lib/me.tsx";
import { type AssistantDoc, assistantErrors } from "../lib/schema-check.ts";

interface Schemas {
  config_schema?: unknown;
  context_schema?: unknown;
}

function docOf(a: Assistant | AssistantVersion): string {
  const { name, description, config, context, metadata } = a as Assistant;
  return JSON.stringify({ name, description, config, context, metadata }, null, 2);
}

/** The assistant page. */
export function AssistantDetail({ assistantId }: { assistantId: string }) {
  const [assistant, setAssistant] = useState<Assistant | null>(null);
  const [versions, setVersions] = useState<AssistantVersion[]>([]);
  const [schemas, setSchemas] = useState<Schemas | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const a = await client().assistants.get(assistantId);
      setAssistant(a);
      setText(docOf(a));
      setVersions(await client().assistants.getVersions(assistantId, { limit: 50 }));
      setSchemas(
        (await client()
          .assistants.getSchemas(assistantId)
          .catch(() => null)) as Schemas | null,
      );
    } catch (e) {
      setError(messageOf(e));
    }
  }, [assistantId]);
  useEffect(() => {
    reload();
  }, [reload]);
  const parsed = parseJson(text);
  const problems = parsed.ok ? assistantErrors(parsed.value, schemas) : [parsed.error];
  const doc = (parsed.ok ? parsed.value : {}) as AssistantDoc;
  const schema = schemas?.context_schema ?? schemas?.config_schema;
  const formValues = (schemas?.context_schema ? doc.context : doc.config?.configurable) ?? {};
  function setField(key: string, value: unknown) {
    if (!parsed.ok) return;
    const next = { ...doc };
    if (schemas?.context_schema) next.context = { ...(next.context ?? {}), [key]: value };
    else
      next.config = {
        ...(next.config ?? {}),
        configurable: { ...(next.config?.configurable ?? {}), [key]: value },
      };
    setText(JSON.stringify(next, null, 2));
  }
  async function save() {
    if (problems.length) return;
    setError(null);
    try {
      const a = await client().assistants.update(assistantId, {
        name: doc.name,
        description: doc.description ?? undefined,
        config: doc.config,
        context: doc.context,
        metadata: doc.metadata,
      });
      setSaved(`Saved as version ${a.version}`);
      await reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  async function activate(version: number) {
    try {
      await client().assistants.setLatest(assistantId, version);
      setSaved(`Version ${version} is active`);
      await reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>
        Assistant {assistant?.name}{" "}
        <span className="text-base text-slate-600">
          ({assistant?.graph_id}, version {assistant?.version})
        </span>
      </PageTitle>
      <ErrorBanner error={error} />
      <div className="grid gap-4 xl:grid-cols-[2fr_1fr]">
        <Card
          title="Settings (JSON)"
          actions={
            <Editing>
              <Button onClick={save} disabled={problems.length > 0}>
                Save new version
              </Button>
            </Editing>
          }
        >
          <div className="flex flex-col gap-3">
            {assistant && (
              <JsonEditor
                label="Assistant settings"
                value={text}
                onChange={setText}
                testId="assistant-editor"
              />
            )}
            {problems.length > 0 && (
              <div
                role="alert"
                className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
                data-testid="assistant-errors"
              >
                <p className="font-semibold">Not saved: fix these first</p>
                <ul className="list-disc pl-5">
                  {problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            )}
            {saved && <output className="text-sm text-green-800">{saved}</output>}
            {schema != null && parsed.ok && (
              <OapForm schema={schema} values={formValues} onChange={setField} />
            )}
          </div>
        </Card>
        <Card title="Versions">
          <Table label="Versions" head={["Version", "Created", ""]}>
            {versions.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td className="px-2 py-1.5">{v.version}</td>
                <td className="px-2 py-1.5">{time(v.created_at)}</td>
                <td className="px-2 py-1.5">
                  {v.version === assistant?.version ? (
                    <span className="text-xs font-semibold text-green-800">active</span>
                  ) : (
                    <Editing>
                      <Button variant="secondary" onClick={() => activate(v.version)}>
                        Set active
                      </Button>
                    </Editing>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        </Card>
      </div>
    </div>
  );
}
