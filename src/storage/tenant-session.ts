/**
 * The tenant session (tenancy on): every connection a statement or transaction acquires first gets
 * the current org as the setting `app.org_id` (which row-level security and the `org_id` column
 * defaults read, src/tenancy/rls.ts), and, when the server's database user bypasses RLS (a
 * superuser, as PGlite's only user always is), the role `olg_tenant`, which does not.
 *
 * Cost: the setting is session-level (`set_config(…, false)`) and remembered per physical
 * connection, so the extra statement runs only when a connection changes org: never for a single
 * org, at most once per acquire when orgs alternate. Why not `SET LOCAL` per transaction: most of
 * our statements run outside explicit transactions, so per-transaction settings would cost a
 * `BEGIN`/`set_config`/`COMMIT` around each of them. Equivalent safety: a connection is held
 * exclusively between acquire and release, and every acquire checks its setting.
 * Before `arm()` (migrations, RLS setup at boot) connections are left as they are.
 * PGlite's session is shared by the clients of its worker (the HTTP and run executor threads):
 * the worker replays each client's last setting when the session passes to it
 * (`pglite/worker-sessions.ts`), so the memory of one client stays true of "its" session.
 */
import type { DatabaseConnection, Dialect, Driver, Kysely, TransactionSettings } from "kysely";
import { CompiledQuery } from "kysely";
import { SET_ORG, SET_ROLE_AND_ORG } from "./session-settings.ts";

/** Where the session reads the current org. */
export type OrgSource = () => string;

/** The switch of a tenant session. */
export interface TenantSession {
  /** Wraps a dialect (innermost, before codecs). */
  wrap(dialect: Dialect): Dialect;
  /** From now on every acquire sets the org (and `role`, when given). */
  arm(role: string | null): void;
  /** `set_config` statements run (for the benchmark and tests). */
  readonly switches: number;
}

interface State {
  armed: boolean;
  role: string | null;
  switches: number;
}

const SHARED = Symbol("single PGlite session");

class TenantDriver implements Driver {
  /** Physical connection -> the `role|org` it was last given. */
  readonly #given = new WeakMap<object, string>();
  constructor(
    private readonly inner: Driver,
    private readonly state: State,
    private readonly org: OrgSource,
    /** PGlite: one session behind fresh connection wrappers. */
    private readonly singleSession: boolean,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    if (!this.state.armed) return conn;
    const org = this.org();
    const role = this.state.role;
    const want = `${role ?? ""}|${org}`;
    const physical = this.singleSession ? SHARED_KEY : physicalOf(conn);
    if (this.#given.get(physical) !== want) {
      try {
        await conn.executeQuery(
          role
            ? CompiledQuery.raw(SET_ROLE_AND_ORG, [role, org])
            : CompiledQuery.raw(SET_ORG, [org]),
        );
      } catch (error) {
        this.#given.delete(physical);
        await this.inner.releaseConnection(conn);
        throw error;
      }
      this.#given.set(physical, want);
      this.state.switches++;
    }
    return conn;
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(c, settings);
  }
  commitTransaction(c: DatabaseConnection) {
    return this.inner.commitTransaction(c);
  }
  rollbackTransaction(c: DatabaseConnection) {
    return this.inner.rollbackTransaction(c);
  }
  releaseConnection(c: DatabaseConnection) {
    return this.inner.releaseConnection(c);
  }
  destroy() {
    return this.inner.destroy();
  }
}

const SHARED_KEY = { [SHARED]: true };

/** The driver's own connection under codec wrappers (`CodecConnection.inner`), made per acquire. */
function physicalOf(conn: DatabaseConnection): object {
  let c: object = conn;
  while ("inner" in c && typeof c.inner === "object" && c.inner !== null) c = c.inner;
  return c;
}

/** A tenant session reading the org from `org`; `singleSession` for PGlite. */
export function tenantSession(org: OrgSource, singleSession: boolean): TenantSession {
  const state: State = { armed: false, role: null, switches: 0 };
  return {
    wrap: (dialect) => ({
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => new TenantDriver(dialect.createDriver(), state, org, singleSession),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
    }),
    arm(role) {
      state.role = role;
      state.armed = true;
    },
    get switches() {
      return state.switches;
    },
  };
}
