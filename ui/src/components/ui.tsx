/**
 * Small shadcn-style building blocks (Tailwind classes only): buttons, cards, badges, inputs,
 * tables, an error banner, a JSON viewer. Colours keep WCAG AA contrast (axe-core checks it).
 */
import type {
  ButtonHTMLAttributes,
  InputHTMLAttributes,
  ReactNode,
  SelectHTMLAttributes,
} from "react";

type Variant = "primary" | "secondary" | "danger" | "ghost";

const VARIANTS: Record<Variant, string> = {
  primary: "bg-indigo-700 text-white hover:bg-indigo-800",
  secondary: "bg-white text-slate-800 border border-slate-300 hover:bg-slate-100",
  danger: "bg-red-700 text-white hover:bg-red-800",
  ghost: "text-slate-700 hover:bg-slate-200",
};

/** A button; `variant` picks the colour. */
export function Button({
  variant = "primary",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      className={`inline-flex items-center gap-1 rounded px-3 py-1.5 text-sm font-medium disabled:opacity-50 ${VARIANTS[variant]} ${className}`}
      {...props}
    />
  );
}

/** A titled panel. */
export function Card({
  title,
  actions,
  children,
  className = "",
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`rounded-lg border border-slate-200 bg-white shadow-sm ${className}`}>
      {(title || actions) && (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-2">
          <h2 className="text-sm font-semibold text-slate-800">{title}</h2>
          <div className="flex flex-wrap gap-2">{actions}</div>
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

const STATUS: Record<string, string> = {
  success: "bg-green-100 text-green-900",
  idle: "bg-green-100 text-green-900",
  running: "bg-blue-100 text-blue-900",
  busy: "bg-blue-100 text-blue-900",
  pending: "bg-amber-100 text-amber-900",
  interrupted: "bg-amber-100 text-amber-900",
  error: "bg-red-100 text-red-900",
  timeout: "bg-red-100 text-red-900",
};

/** A status pill (run, thread or log level). */
export function Badge({ value }: { value: string }) {
  return (
    <span
      className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${STATUS[value] ?? "bg-slate-200 text-slate-800"}`}
    >
      {value}
    </span>
  );
}

/** A labelled text input. */
export function Field({
  label,
  className = "",
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string }) {
  return (
    <label className={`flex flex-col gap-1 text-xs font-medium text-slate-700 ${className}`}>
      {label}
      <input
        className="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900"
        {...props}
      />
    </label>
  );
}

/** A labelled select. */
export function Select({
  label,
  options,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; options: [string, string][] }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
      {label}
      <select
        className="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm font-normal text-slate-900"
        {...props}
      >
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A red banner for an error message (role="alert", so screen readers announce it). */
export function ErrorBanner({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div
      role="alert"
      className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
    >
      {error}
    </div>
  );
}

/** Pretty JSON in a scrollable block. */
export function Json({ value, className = "" }: { value: unknown; className?: string }) {
  return (
    // Focusable: a scrolled block must be reachable by keyboard (axe scrollable-region-focusable).
    <pre
      tabIndex={0}
      className={`overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100 ${className}`}
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A table with a header row; `rows` are arrays of cells. */
export function Table({
  head,
  children,
  label,
}: {
  head: string[];
  children: ReactNode;
  label: string;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="border-b border-slate-200 text-xs uppercase text-slate-600">
          <tr>
            {head.map((h) => (
              <th key={h} scope="col" className="px-2 py-2 font-semibold">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

/** Page title row. */
export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
      <h1 className="text-xl font-semibold text-slate-900">{children}</h1>
      <div className="flex flex-wrap gap-2">{actions}</div>
    </div>
  );
}
