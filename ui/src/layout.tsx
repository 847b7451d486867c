/**
 * The page frame: a sidebar of pages (a top bar on narrow screens; Logs only for callers who may
 * read them), the signed-in identity and role, and the current page's content.
 */
import type { ReactNode } from "react";
import { apiKey, setApiKey } from "./lib/client.ts";
import { mayReadLogs, useMe } from "./lib/me.tsx";
import { href } from "./lib/router.ts";
import { hasSession, signOut } from "./lib/session.ts";

/** The pages, in the sidebar's order. */
export const PAGES: [id: string, title: string][] = [
  ["graphs", "Graphs"],
  ["runs", "Runs"],
  ["threads", "Threads"],
  ["assistants", "Assistants"],
  ["crons", "Crons"],
  ["store", "Store"],
  ["logs", "Logs"],
  ["operations", "Operations"],
];

/** Sidebar + content. */
export function Layout({ page, children }: { page: string; children: ReactNode }) {
  const me = useMe();
  const pages = PAGES.filter(([id]) => id !== "logs" || mayReadLogs(me));
  return (
    <div className="flex min-h-full flex-col md:flex-row">
      <nav
        aria-label="Pages"
        className="flex shrink-0 flex-col gap-2 bg-slate-900 p-3 text-slate-100 md:w-52"
      >
        <div className="px-2 py-1 text-base font-semibold">Open LangGraph</div>
        <ul className="flex flex-wrap gap-1 md:flex-col">
          {pages.map(([id, title]) => (
            <li key={id}>
              <a
                href={href(id)}
                aria-current={page === id ? "page" : undefined}
                className={`block rounded px-2 py-1 text-sm ${page === id ? "bg-indigo-600 text-white" : "text-slate-200 hover:bg-slate-700"}`}
              >
                {title}
              </a>
            </li>
          ))}
        </ul>
        {me && (
          <p className="mt-auto px-2 text-xs text-slate-300" data-testid="me">
            {me.identity} · {me.role}
          </p>
        )}
        {hasSession() && !apiKey() && (
          <button
            type="button"
            className="rounded px-2 py-1 text-left text-sm text-slate-200 hover:bg-slate-700"
            onClick={() => void signOut()}
          >
            Sign out
          </button>
        )}
        {apiKey() && (
          <button
            type="button"
            className="rounded px-2 py-1 text-left text-sm text-slate-200 hover:bg-slate-700"
            onClick={() => {
              setApiKey(null);
              window.location.reload();
            }}
          >
            Sign out
          </button>
        )}
      </nav>
      <main className="min-w-0 flex-1 p-4 md:p-6">{children}</main>
    </div>
  );
}
