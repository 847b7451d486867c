/**
 * Entry of the admin UI: checks that the server lets us in (else the sign-in form), then renders
 * the page named by the URL hash.
 */
import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import "./app.css";
import { Layout } from "./layout.tsx";
import { client, messageOf, statusOf } from "./lib/client.ts";
import { useRoute } from "./lib/router.ts";
import { SignIn } from "./pages/sign-in.tsx";

// Pages load on first visit (each page's libraries: the graph canvas, CodeMirror, … in their own chunks).
const AssistantsPage = lazy(() =>
  import("./pages/assistants.tsx").then((m) => ({ default: m.AssistantsPage })),
);
const CronsPage = lazy(() => import("./pages/crons.tsx").then((m) => ({ default: m.CronsPage })));
const StorePage = lazy(() => import("./pages/store.tsx").then((m) => ({ default: m.StorePage })));
const LogsPage = lazy(() => import("./pages/logs.tsx").then((m) => ({ default: m.LogsPage })));
const OperationsPage = lazy(() =>
  import("./pages/operations.tsx").then((m) => ({ default: m.OperationsPage })),
);
const GraphsPage = lazy(() =>
  import("./pages/graphs.tsx").then((m) => ({ default: m.GraphsPage })),
);
const RunsPage = lazy(() => import("./pages/runs.tsx").then((m) => ({ default: m.RunsPage })));
const ThreadsPage = lazy(() =>
  import("./pages/threads.tsx").then((m) => ({ default: m.ThreadsPage })),
);

type Access = "checking" | "ok" | "sign-in" | { error: string };

function App() {
  const [access, setAccess] = useState<Access>("checking");
  const route = useRoute();
  useEffect(() => {
    client()
      .assistants.search({ limit: 1 })
      .then(
        () => setAccess("ok"),
        (e) => {
          const status = statusOf(e);
          setAccess(status === 401 || status === 403 ? "sign-in" : { error: messageOf(e) });
        },
      );
  }, []);
  if (access === "checking") return <p className="p-6 text-sm">Connecting…</p>;
  if (access === "sign-in") return <SignIn onSignedIn={() => setAccess("ok")} />;
  if (typeof access === "object")
    return <p className="p-6 text-sm text-red-800">Cannot reach the server: {access.error}</p>;
  const page = route[0] ?? "graphs";
  return (
    <Layout page={page}>
      <Suspense fallback={<p className="text-sm">Loading…</p>}>
        <Page page={page} args={route.slice(1)} />
      </Suspense>
    </Layout>
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
