/**
 * Entry of the admin UI: asks the server who we are (`GET /admin/me`; a 401/403 shows the sign-in
 * form), then renders the page named by the URL hash with that caller in `MeContext`.
 */
import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import "./app.css";
import { Layout } from "./layout.tsx";
import { apiKey, messageOf, statusOf } from "./lib/client.ts";
import { fetchMe, type Me, MeContext } from "./lib/me.tsx";
import { useRoute } from "./lib/router.ts";
import { loadSession } from "./lib/session.ts";
import { SignIn } from "./pages/sign-in.tsx";

// Pages load on first visit (each page's libraries: the graph canvas, CodeMirror, … in their own
// chunks); the current page's chunk is fetched at once, beside the sign-in check.
const LOADERS = {
  graphs: () => import("./pages/graphs.tsx").then((m) => ({ default: m.GraphsPage })),
  runs: () => import("./pages/runs.tsx").then((m) => ({ default: m.RunsPage })),
  threads: () => import("./pages/threads.tsx").then((m) => ({ default: m.ThreadsPage })),
  assistants: () => import("./pages/assistants.tsx").then((m) => ({ default: m.AssistantsPage })),
  crons: () => import("./pages/crons.tsx").then((m) => ({ default: m.CronsPage })),
  store: () => import("./pages/store.tsx").then((m) => ({ default: m.StorePage })),
  logs: () => import("./pages/logs.tsx").then((m) => ({ default: m.LogsPage })),
  operations: () => import("./pages/operations.tsx").then((m) => ({ default: m.OperationsPage })),
};
const GraphsPage = lazy(LOADERS.graphs);
const RunsPage = lazy(LOADERS.runs);
const ThreadsPage = lazy(LOADERS.threads);
const AssistantsPage = lazy(LOADERS.assistants);
const CronsPage = lazy(LOADERS.crons);
const StorePage = lazy(LOADERS.store);
const LogsPage = lazy(LOADERS.logs);
const OperationsPage = lazy(LOADERS.operations);

const first = window.location.hash.replace(/^#\/?/, "").split(/[/?]/)[0] || "graphs";
void LOADERS[first as keyof typeof LOADERS]?.().catch(() => {});

// Asked at once, beside the page's chunk, rather than after the first render.
let early: Promise<Me> | undefined = fetchMe();
early.catch(() => {}); // handled in App; this only keeps an early 401 from being "unhandled"

type Access = "checking" | Me | "sign-in" | { error: string };

function App() {
  const [access, setAccess] = useState<Access>("checking");
  const route = useRoute();
  useEffect(() => {
    if (access !== "checking") return;
    // The first check was sent while the page loaded; a later one (after sign-in) is new.
    const me = early ?? fetchMe();
    early = undefined;
    me.then(
      async (who) => {
        if (!apiKey()) await loadSession(); // signed in by a session cookie: its CSRF token
        setAccess(who);
      },
      (e) => {
        const status = statusOf(e);
        setAccess(status === 401 || status === 403 ? "sign-in" : { error: messageOf(e) });
      },
    );
  }, [access]);
  if (access === "checking") return <p className="p-6 text-sm">Connecting…</p>;
  if (access === "sign-in") return <SignIn onSignedIn={() => setAccess("checking")} />;
  if ("error" in access)
    return <p className="p-6 text-sm text-red-800">Cannot reach the server: {access.error}</p>;
  const page = route[0] ?? "graphs";
  return (
    <MeContext.Provider value={access}>
      <Layout page={page}>
        <Suspense fallback={<p className="text-sm">Loading…</p>}>
          <Page page={page} args={route.slice(1)} />
        </Suspense>
      </Layout>
    </MeContext.Provider>
  );
}

function Page({ page, args }: { page: string; args: string[] }) {
  switch (page) {
    case "graphs":
      return <GraphsPage assistantId={args[0]} />;
    case "runs":
      return <RunsPage threadId={args[0]} runId={args[1]} />;
    case "threads":
      return <ThreadsPage threadId={args[0]} />;
    case "assistants":
      return <AssistantsPage assistantId={args[0]} />;
    case "logs":
      return <LogsPage />;
    case "operations":
      return <OperationsPage />;
    case "crons":
      return <CronsPage />;
    case "store":
      return <StorePage />;
    default:
      return <p className="text-sm">Not available yet: {page}</p>;
  }
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
