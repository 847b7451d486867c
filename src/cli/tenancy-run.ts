/** What `olg org create` and `olg keys create` do (loaded only when one of them runs). */
import type { Settings } from "../config/load.ts";
import type { StorageHandle } from "../storage/database.ts";
import { openStorage } from "../storage/open.ts";
import { isRole } from "../tenancy/roles.ts";
import { createTenancy } from "../tenancy/service.ts";
import { CliError } from "./errors.ts";
import { printJson, say } from "./ui/term.ts";

async function withTenancy<T>(
  settings: Settings,
  fn: (s: ReturnType<typeof createTenancy>) => Promise<T>,
): Promise<T> {
  let handle: StorageHandle | undefined;
  try {
    handle = await openStorage({
      databaseUrl: settings.databaseUrl,
      dataDir: settings.dataDir,
      poolSize: 1,
    });
  } catch (error) {
    throw new CliError(`cannot open the database: ${(error as Error).message}`, "unreachable");
  }
  try {
    return await fn(createTenancy(handle.db));
  } finally {
    await handle.close();
  }
}

/** `olg org create`. */
export async function createOrg(
  settings: Settings,
  o: { name: string; id?: string; json: boolean },
): Promise<void> {
  const org = await withTenancy(settings, async (t) => {
    if (o.id && (await t.repo.getOrg(o.id)))
      throw new CliError(`organization ${o.id} already exists`, "usage");
    return t.repo.createOrg({ org_id: o.id, name: o.name });
  });
  if (o.json) return printJson(org);
  say.ok(`organization ${org.org_id} (${org.name}) created`);
}

/** `olg keys create`. */
export async function createKey(
  settings: Settings,
  o: {
    org: string;
    name: string;
    role: string;
    scopes?: string[];
    expiresInDays?: number;
    json: boolean;
  },
): Promise<void> {
  if (!isRole(o.role))
    throw new CliError(`unknown role ${o.role} (admin, developer, api_user, viewer)`, "usage");
  const role = o.role;
  if (o.expiresInDays != null && !(o.expiresInDays > 0))
    throw new CliError("--expires-in-days must be a positive number", "usage");
  const expiresAt = o.expiresInDays ? new Date(Date.now() + o.expiresInDays * 86_400_000) : null;
  const { key, info } = await withTenancy(settings, (t) =>
    t
      .createKey(o.org, {
        name: o.name,
        role,
        scopes: o.scopes ?? null,
        expiresAt,
        createdBy: "cli",
      })
      .catch((e: Error) => {
        throw new CliError(e.message, "usage");
      }),
  );
  if (o.json) return printJson({ ...info, key });
  say.ok(`API key ${info.key_id} (${info.role} in ${info.org_id}); shown once, keep it now:`);
  process.stdout.write(`${key}\n`);
}
