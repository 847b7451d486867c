/**
 * Store browser: the namespaces (`/store/namespaces`), the items of one (with an optional search
 * query), an item's value, and a form to put (JSON checked before sending) or delete an item.
 */
import { useState } from "react";
import { JsonEditor, parseJson } from "../components/json-editor.tsx";
import { Button, Card, ErrorBanner, Field, Json, PageTitle, Table } from "../components/ui.tsx";
import { client, messageOf } from "../lib/client.ts";
import { time } from "../lib/format.ts";
import { Editing } from "../lib/me.tsx";
import { usePoll } from "../lib/poll.ts";

const split = (ns: string) =>
  ns
    .split(".")
    .map((p) => p.trim())
    .filter(Boolean);

/** The store page. */
export function StorePage() {
  const [namespace, setNamespace] = useState("");
  const [query, setQuery] = useState("");
  const [applied, setApplied] = useState({ namespace: "", query: "" });
  const [error, setError] = useState<string | null>(null);
  const namespaces = usePoll(() => client().store.listNamespaces({ limit: 100 }), 0);
  const items = usePoll(
    () =>
      client().store.searchItems(split(applied.namespace), {
        limit: 50,
        query: applied.query || undefined,
      }),
    0,
    [applied],
  );
  async function remove(ns: string[], key: string) {
    try {
      await client().store.deleteItem(ns, key);
      await items.reload();
      await namespaces.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <div className="flex flex-col gap-4">
      <PageTitle>Store</PageTitle>
      <div className="grid gap-4 lg:grid-cols-[240px_1fr]">
        <Card title="Namespaces">
          <ErrorBanner error={namespaces.error} />
          <ul className="flex flex-col gap-1 text-sm" aria-label="Namespaces">
            {(namespaces.value?.namespaces ?? []).map((ns) => (
              <li key={ns.join(".")}>
                <button
                  type="button"
                  className="text-left font-mono text-indigo-800 underline"
                  onClick={() => {
                    setNamespace(ns.join("."));
                    setApplied({ namespace: ns.join("."), query: "" });
                  }}
                >
                  {ns.join(".")}
                </button>
              </li>
            ))}
          </ul>
        </Card>
        <div className="flex flex-col gap-4">
          <Card title="Items">
            <form
              className="mb-3 flex flex-wrap items-end gap-3"
              onSubmit={(e) => {
                e.preventDefault();
                setApplied({ namespace, query });
              }}
            >
              <Field
                label="Namespace prefix (a.b.c)"
                value={namespace}
                onChange={(e) => setNamespace(e.target.value)}
              />
              <Field
                label="Search query"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
              />
              <Button type="submit">Show items</Button>
            </form>
            <ErrorBanner error={error ?? items.error} />
            <Table label="Items" head={["Namespace", "Key", "Value", "Updated", ""]}>
              {(items.value?.items ?? []).map((it) => (
                <tr key={`${it.namespace.join(".")}/${it.key}`} data-item-key={it.key}>
                  <td className="px-2 py-1.5 font-mono">{it.namespace.join(".")}</td>
                  <td className="px-2 py-1.5 font-mono">{it.key}</td>
                  <td className="px-2 py-1.5">
                    <Json value={it.value} className="max-h-32 max-w-md" />
                  </td>
                  <td className="px-2 py-1.5">
                    {time(String((it as { updated_at?: string }).updated_at ?? it.updatedAt ?? ""))}
                  </td>
                  <td className="px-2 py-1.5">
                    <Editing>
                      <Button variant="danger" onClick={() => remove(it.namespace, it.key)}>
                        Delete
                      </Button>
                    </Editing>
                  </td>
                </tr>
              ))}
            </Table>
          </Card>
          <Editing>
            <PutItem
              onPut={async () => {
                await items.reload();
                await namespaces.reload();
              }}
            />
          </Editing>
        </div>
      </div>
    </div>
  );
}

function PutItem({ onPut }: { onPut: () => Promise<void> }) {
  const [namespace, setNamespace] = useState("");
  const [key, setKey] = useState("");
  const [text, setText] = useState('{\n  "note": "hello"\n}');
  const [error, setError] = useState<string | null>(null);
  async function put() {
    const parsed = parseJson(text);
    if (!parsed.ok) return setError(parsed.error);
    if (!parsed.value || typeof parsed.value !== "object" || Array.isArray(parsed.value))
      return setError("The value must be a JSON object");
    setError(null);
    try {
      await client().store.putItem(split(namespace), key, parsed.value as Record<string, unknown>);
      await onPut();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <Card title="Put an item">
      <div className="flex flex-col gap-3">
        <div className="flex flex-wrap gap-3">
          <Field
            label="Item namespace (a.b.c)"
            value={namespace}
            onChange={(e) => setNamespace(e.target.value)}
          />
          <Field label="Key" value={key} onChange={(e) => setKey(e.target.value)} />
        </div>
        <JsonEditor label="Item value" value={text} onChange={setText} />
        <ErrorBanner error={error} />
        <Button onClick={put} disabled={!namespace || !key}>
          Put item
        </Button>
      </div>
    </Card>
  );
}
