/**
 * Sign-in: shown when the server refuses the UI's first request (401/403). With an API key (checked
 * against the server before it is kept), or through an identity provider the server offers
 * ("Sign in with <provider>": a plain link to the server's `/admin/sso/<id>/login`, which sends the
 * browser to the provider and back with a session cookie).
 */

import { Client } from "@langchain/langgraph-sdk";
import { useEffect, useState } from "react";
import { Button, ErrorBanner, Field } from "../components/ui.tsx";
import { apiUrl, authHeaders, messageOf, setApiKey } from "../lib/client.ts";
import { type SsoProvider, ssoProviders } from "../lib/session.ts";

/** The sign-in form; `onSignedIn` runs once the key works. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<SsoProvider[]>([]);
  useEffect(() => {
    void ssoProviders().then(setProviders);
  }, []);
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
        {providers.length > 0 && (
          <ul className="flex flex-col gap-2">
            {providers.map((p) => (
              <li key={p.id}>
                <a
                  href={`${p.login_url}?return_to=${encodeURIComponent("/admin/")}`}
                  className="block rounded border border-slate-300 px-3 py-1.5 text-center text-sm font-medium hover:bg-slate-50"
                >
                  Sign in with {p.name}
                </a>
              </li>
            ))}
          </ul>
        )}
        <p className="text-sm text-slate-700">
          {providers.length > 0 ? "Or use an API key" : "This server needs an API key"} (sent as
          x-api-key and as a Bearer token).
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
