/**
 * Sign-in with an API key: shown when the server refuses the UI's first request (401/403). The key
 * is checked against the server before it is kept.
 */

import { Client } from "@langchain/langgraph-sdk";
import { useState } from "react";
import { Button, ErrorBanner, Field } from "../components/ui.tsx";
import { apiUrl, authHeaders, messageOf, setApiKey } from "../lib/client.ts";

/** The sign-in form; `onSignedIn` runs once the key works. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await new Client({ apiUrl, apiKey: key, defaultHeaders: authHeaders(key) }).assistants.search(
        {
          limit: 1,
        },
      );
      setApiKey(key);
      onSignedIn();
    } catch (e) {
      setError(`The server refused this key (${messageOf(e)})`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="flex min-h-full items-center justify-center p-4">
      <form
        onSubmit={submit}
        className="flex w-full max-w-sm flex-col gap-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
      >
        <h1 className="text-lg font-semibold">Sign in to Open LangGraph</h1>
        <p className="text-sm text-slate-700">
          This server needs an API key (sent as x-api-key and as a Bearer token).
        </p>
        <Field
          label="API key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
        />
        <ErrorBanner error={error} />
        <Button type="submit" disabled={busy || !key}>
          Sign in
        </Button>
      </form>
    </main>
  );
}
