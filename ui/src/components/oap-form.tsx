/**
 * Form fields for the schema properties that carry Open Agent Platform hints
 * (`x_oap_ui_config: {type: text|textarea|number|slider|switch|boolean|select, options, min, max,
 * step, placeholder, description}`); each edit writes the property into `values`.
 */

interface OapHint {
  type?: string;
  description?: string;
  placeholder?: string;
  options?: { label: string; value: string }[];
  min?: number;
  max?: number;
  step?: number;
}

/** The hinted properties of `schema` as fields; nothing when none is hinted. */
export function OapForm({
  schema,
  values,
  onChange,
}: {
  schema: unknown;
  values: Record<string, unknown>;
  onChange: (key: string, value: unknown) => void;
}) {
  const props = ((schema as { properties?: Record<string, Record<string, unknown>> })?.properties ??
    {}) as Record<string, Record<string, unknown>>;
  const hinted = Object.entries(props).filter(
    ([, p]) => p && typeof p.x_oap_ui_config === "object",
  );
  if (hinted.length === 0) return null;
  return (
    <fieldset
      className="flex flex-col gap-3 rounded border border-slate-200 p-3"
      data-testid="oap-form"
    >
      <legend className="px-1 text-sm font-semibold">Settings</legend>
      {hinted.map(([key, p]) => {
        const hint = p.x_oap_ui_config as OapHint;
        const value = values[key] ?? p.default;
        const id = `oap-${key}`;
        const label = (
          <span>
            {key}
            {!!(hint.description ?? p.description) && (
              <span className="block font-normal text-slate-600">
                {String(hint.description ?? p.description)}
              </span>
            )}
          </span>
        );
        const cls = "rounded border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal";
        const type = hint.type ?? "text";
        let input: React.ReactNode;
        if (type === "switch" || type === "boolean")
          input = (
            <input
              type="checkbox"
              checked={!!value}
              onChange={(e) => onChange(key, e.target.checked)}
            />
          );
        else if (type === "select")
          input = (
            <select
              className={cls}
              value={String(value ?? "")}
              onChange={(e) => onChange(key, e.target.value)}
            >
              {(hint.options ?? []).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          );
        else if (type === "number" || type === "slider")
          input = (
            <input
              id={id}
              className={cls}
              type={type === "slider" ? "range" : "number"}
              min={hint.min}
              max={hint.max}
              step={hint.step}
              value={typeof value === "number" ? value : ""}
              onChange={(e) =>
                onChange(key, e.target.value === "" ? undefined : Number(e.target.value))
              }
            />
          );
        else if (type === "textarea")
          input = (
            <textarea
              id={id}
              className={cls}
              rows={3}
              placeholder={hint.placeholder}
              value={String(value ?? "")}
              onChange={(e) => onChange(key, e.target.value)}
            />
          );
        else
          input = (
            <input
              id={id}
              className={cls}
              placeholder={hint.placeholder}
              value={String(value ?? "")}
              onChange={(e) => onChange(key, e.target.value)}
            />
          );
        return (
          <div key={key} className="flex flex-col gap-1 text-xs font-medium text-slate-700">
            <label htmlFor={id}>{label}</label>
            {input}
          </div>
        );
      })}
    </fieldset>
  );
}
