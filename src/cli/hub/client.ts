/**
 * The LangChain Hub, through the official LangSmith client (`langsmith`'s `Client.pullPromptCommit`:
 * `GET {api}/commits/{owner}/{name}/{commit|latest}` → `{ commit_hash, manifest, examples }`).
 * The API: `--hub-url`, else $LANGCHAIN_HUB_API_URL, $LANGSMITH_ENDPOINT, $LANGCHAIN_ENDPOINT, else
 * https://api.smith.langchain.com; the key: `--api-key`, else $LANGSMITH_API_KEY, $LANGCHAIN_API_KEY.
 */
import { Client } from "langsmith";
import { CliError, usageError } from "../errors.ts";

/** A parsed Hub id: `owner/name[:version]`. */
export interface HubRef {
  owner: string;
  repo: string;
  /** A commit hash (or a tag); undefined: the newest. */
  version?: string;
}

/** What the Hub returned. */
export interface HubCommit {
  owner: string;
  repo: string;
  commit: string;
  manifest: unknown;
}

/** Where the Hub is. */
export interface HubTarget {
  apiUrl: string;
  apiKey?: string;
}

/** Parses `owner/name[:version]`; exit 2 for anything else. */
export function parseHubId(id: string): HubRef {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)(?::([A-Za-z0-9_.-]+))?$/.exec(id);
  if (!m) throw usageError(`invalid Hub id "${id}"`, "Expected owner/name or owner/name:commit.");
  return { owner: m[1]!, repo: m[2]!, version: m[3] };
}

/** The API URL and key from flags, then the environment. */
export function hubTarget(flags: { hubUrl?: string; apiKey?: string }): HubTarget {
  const env = process.env;
  return {
    apiUrl: (
      flags.hubUrl ??
      env.LANGCHAIN_HUB_API_URL ??
      env.LANGSMITH_ENDPOINT ??
      env.LANGCHAIN_ENDPOINT ??
      "https://api.smith.langchain.com"
    ).replace(/\/+$/, ""),
    apiKey: flags.apiKey ?? env.LANGSMITH_API_KEY ?? env.LANGCHAIN_API_KEY,
  };
}

/** Pulls a prompt commit; exit 3 when the Hub cannot be reached, 4 when it refuses the key. */
export async function pullCommit(ref: HubRef, target: HubTarget): Promise<HubCommit> {
  const client = new Client({
    apiUrl: target.apiUrl,
    apiKey: target.apiKey,
    callerOptions: { maxRetries: 1 },
    timeout_ms: 30_000,
  });
  // langsmith (0.12) builds its caller with maxRetries 4 whatever callerOptions say: an unreachable
  // Hub was reported after ~20 s of backoff. The caller is private, so set what we asked for.
  const caller: unknown = Reflect.get(client, "caller");
  if (caller && typeof Reflect.get(caller, "maxRetries") === "number")
    Reflect.set(caller, "maxRetries", 1);
  const id = `${ref.owner}/${ref.repo}:${ref.version ?? "latest"}`;
  try {
    const pulled = await client.pullPromptCommit(id, {
      skipCache: true,
      // The user named this prompt to import it; the manifest is written to the project for review.
      dangerouslyPullPublicPrompt: true,
    });
    return {
      owner: ref.owner,
      repo: ref.repo,
      commit: pulled.commit_hash,
      manifest: pulled.manifest,
    };
  } catch (error) {
    const text = String((error as Error)?.message ?? error);
    if (/\b40[13]\b/.test(text))
      throw new CliError(`the Hub refused the credentials for ${id}`, "unauthorized", text);
    if (/\b404\b/.test(text)) throw new CliError(`${id} was not found on the Hub`, "failed", text);
    if (/fetch failed|ECONNREFUSED|ENOTFOUND|timed? ?out|abort/i.test(text))
      throw new CliError(`cannot reach the Hub at ${target.apiUrl}`, "unreachable", text);
    throw new CliError(`pulling ${id} failed`, "failed", text);
  }
}
