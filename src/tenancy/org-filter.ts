/**
 * The application-level org filter (tenancy on): a Kysely plugin that scopes every statement the
 * query builder makes to the current org (src/tenancy/context.ts), on every engine, whether or not
 * it has row-level security. One central mechanism instead of an `org_id` condition in each
 * repository's queries:
 * - SELECT: each tenant table in FROM gets `org_id = :org` in WHERE, each joined one in its ON (so
 *   outer joins stay outer); the shared tables (assistants, their versions) read `org_id IN (:org,
 *   '*')` (the graphs' system assistants, src/tenancy/rls.ts).
 * - UPDATE / DELETE: the target table `org_id = :org` (shared rows are read-only); tables in
 *   FROM/USING/joins as for SELECT.
 * - INSERT into a tenant table without an `org_id` column: `org_id = :org` is added to each row
 *   (engines without the `current_setting` column default need it); an upsert's DO UPDATE gets
 *   `WHERE <table>.org_id = :org`, so a conflicting row of another org is never overwritten.
 * Subqueries and CTEs are visited too. The system org `*` (background work) is not filtered.
 * Raw SQL (`sql\`…\``) is not rewritten: on PostgreSQL row-level security covers it.
 * Source: Kysely's plugin API (KyselyPlugin, OperationNodeTransformer).
 */
import {
  AliasNode,
  BinaryOperationNode,
  ColumnNode,
  type DeleteQueryNode,
  type InsertQueryNode,
  JoinNode,
  type KyselyPlugin,
  OnConflictNode,
  type OperationNode,
  OperationNodeTransformer,
  OperatorNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PrimitiveValueListNode,
  QueryNode,
  type QueryResult,
  ReferenceNode,
  type RootOperationNode,
  type SelectQueryNode,
  TableNode,
  type UnknownRow,
  type UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
} from "kysely";
import { TENANT_TABLES } from "../storage/migrations/010_tenancy.ts";
import { SYSTEM_ORG } from "./context.ts";

const TENANT = new Set<string>([...TENANT_TABLES, "store_vectors"]);
const SHARED_READ = new Set(["assistants", "assistant_versions"]);

/** The tenant table a FROM/JOIN item names and how to refer to it, or undefined. */
function tenantOf(item: OperationNode): { table: string; ref: string } | undefined {
  let table: OperationNode = item;
  let ref: string | undefined;
  if (AliasNode.is(item)) {
    table = item.node;
    ref = (item.alias as { name?: string }).name;
  }
  if (!TableNode.is(table)) return undefined;
  const name = table.table.identifier.name;
  if (!TENANT.has(name)) return undefined;
  return { table: name, ref: ref ?? name };
}

class OrgFilter extends OperationNodeTransformer {
  constructor(private readonly org: string) {
    super();
  }

  #condition(t: { table: string; ref: string }, write: boolean): OperationNode {
    const column = ReferenceNode.create(ColumnNode.create("org_id"), TableNode.create(t.ref));
    if (!write && SHARED_READ.has(t.table))
      return BinaryOperationNode.create(
        column,
        OperatorNode.create("in"),
        PrimitiveValueListNode.create([this.org, SYSTEM_ORG]),
      );
    return BinaryOperationNode.create(column, OperatorNode.create("="), ValueNode.create(this.org));
  }

  #whereFor<T extends SelectQueryNode | UpdateQueryNode | DeleteQueryNode>(
    node: T,
    items: readonly OperationNode[],
    write: boolean,
  ): T {
    let out = node;
    for (const item of items) {
      const t = tenantOf(item);
      if (t) out = QueryNode.cloneWithWhere(out, this.#condition(t, write)) as T;
    }
    return out;
  }

  #joins(joins: readonly JoinNode[] | undefined): JoinNode[] | undefined {
    return joins?.map((j) => {
      const t = tenantOf(j.table);
      return t ? JoinNode.cloneWithOn(j, this.#condition(t, false)) : j;
    });
  }

  /**
   * The root of a statement without subqueries (most of them) is filtered in place: the generic
   * transformer would rebuild (and freeze) every node of the tree to change one or two.
   */
  filterRoot(node: RootOperationNode, queryId: PluginTransformQueryArgs["queryId"]) {
    if (nestsQuery(node, true)) return this.transformNode(node, queryId);
    if (SelectQueryNodeIs(node)) return this.select(node);
    if (node.kind === "UpdateQueryNode") return this.update(node);
    if (node.kind === "DeleteQueryNode") return this.delete(node);
    if (node.kind === "InsertQueryNode") return this.insert(node);
    return node;
  }

  protected override transformSelectQuery(node: SelectQueryNode, queryId?: never) {
    return this.select(super.transformSelectQuery(node, queryId));
  }

  private select(t: SelectQueryNode): SelectQueryNode {
    const out = this.#whereFor(t, t.from?.froms ?? [], false);
    return t.joins ? { ...out, joins: this.#joins(t.joins) } : out;
  }

  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: never) {
    return this.update(super.transformUpdateQuery(node, queryId));
  }

  private update(t: UpdateQueryNode): UpdateQueryNode {
    let out = t.table ? this.#whereFor(t, [t.table], true) : t;
    out = this.#whereFor(out, t.from?.froms ?? [], false);
    return t.joins ? { ...out, joins: this.#joins(t.joins) } : out;
  }

  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: never) {
    return this.delete(super.transformDeleteQuery(node, queryId));
  }

  private delete(t: DeleteQueryNode): DeleteQueryNode {
    let out = this.#whereFor(t, t.from.froms, true);
    out = this.#whereFor(out, t.using?.tables ?? [], false);
    return t.joins ? { ...out, joins: this.#joins(t.joins) } : out;
  }

  protected override transformInsertQuery(node: InsertQueryNode, queryId?: never) {
    return this.insert(super.transformInsertQuery(node, queryId));
  }

  private insert(t: InsertQueryNode): InsertQueryNode {
    const target = t.into ? tenantOf(t.into) : undefined;
    if (!target) return t;
    let out: InsertQueryNode = t;
    const columns = t.columns ?? [];
    if (
      columns.length > 0 &&
      !columns.some((c) => c.column.name === "org_id") &&
      t.values &&
      ValuesNode.is(t.values)
    ) {
      const rows = t.values.values.map((row) =>
        PrimitiveValueListNode.is(row)
          ? PrimitiveValueListNode.create([...row.values, this.org])
          : ValueListNode.create([...row.values, ValueNode.create(this.org)]),
      );
      out = {
        ...out,
        columns: [...columns, ColumnNode.create("org_id")],
        values: ValuesNode.create(rows),
      };
    }
    if (t.onConflict?.updates)
      out = {
        ...out,
        onConflict: OnConflictNode.cloneWithUpdateWhere(
          t.onConflict,
          this.#condition(target, true),
        ),
      };
    return out;
  }
}

const QUERIES = new Set([
  "SelectQueryNode",
  "InsertQueryNode",
  "UpdateQueryNode",
  "DeleteQueryNode",
  "MergeQueryNode",
]);
/** Node kinds whose fields hold parameter values (user data), never operation nodes. */
const VALUES = new Set(["ValueNode", "PrimitiveValueListNode", "DefaultValueNode"]);

const SelectQueryNodeIs = (n: OperationNode): n is SelectQueryNode => n.kind === "SelectQueryNode";

/** Whether a statement holds another statement (a subquery, a CTE, a raw fragment's query). */
function nestsQuery(value: unknown, root: boolean): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (nestsQuery(v, false)) return true;
    return false;
  }
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== "string" || VALUES.has(kind)) return false;
  if (!root && QUERIES.has(kind)) return true;
  for (const key in value)
    if (key !== "kind" && nestsQuery((value as Record<string, unknown>)[key], false)) return true;
  return false;
}

/** The plugin; `orgOf` reads the current org (`*`: no filter). */
export function orgFilterPlugin(orgOf: () => string): KyselyPlugin {
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      const org = orgOf();
      if (org === SYSTEM_ORG) return args.node;
      return new OrgFilter(org).filterRoot(args.node, args.queryId);
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
}
