/** A JSON value as a collapsible tree (`<details>` per object/array), for thread state. */

/** One node of the tree; objects and arrays open to `depth` levels. */
export function Tree({
  value,
  name,
  depth = 1,
}: {
  value: unknown;
  name?: string;
  depth?: number;
}) {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as Record<string, unknown>);
    const kind = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    return (
      <details open={depth > 0} className="ml-3">
        <summary className="cursor-pointer text-sm">
          {name != null && <span className="font-medium text-indigo-900">{name}</span>}{" "}
          <span className="text-slate-600">{kind}</span>
        </summary>
        {entries.map(([k, v]) => (
          <Tree key={k} name={k} value={v} depth={depth - 1} />
        ))}
      </details>
    );
  }
  return (
    <div className="ml-3 text-sm">
      {name != null && <span className="font-medium text-indigo-900">{name}: </span>}
      <span className="break-all font-mono text-slate-800">{JSON.stringify(value)}</span>
    </div>
  );
}
