/**
 * PostgreSQL statement shapes that MariaDB spells differently, rewritten while a statement
 * compiles (a Kysely plugin installed after the port's neutral plugin), so feature code keeps one
 * shape:
 * - `INSERT … ON CONFLICT DO NOTHING` -> `INSERT IGNORE …` (with `RETURNING`, MariaDB returns
 *   only the inserted rows, as PostgreSQL does);
 * - `INSERT … ON CONFLICT (…) DO UPDATE SET c = excluded.c [WHERE w]` -> `ON DUPLICATE KEY UPDATE
 *   c = IF(w, VALUES(c), c)`. The conflict target is dropped: MariaDB checks every unique key,
 *   and our tables' upserts target their primary key. With `RETURNING`, MariaDB returns the
 *   inserted values, not the updated row.
 * - `SELECT … FOR SHARE` -> `SELECT … LOCK IN SHARE MODE`.
 * `UPDATE … RETURNING` has no MariaDB form; `returning.ts` runs it as statements.
 */
import {
  type ColumnNode,
  ColumnUpdateNode,
  type InsertQueryNode,
  type KyselyPlugin,
  type OperationNode,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type ReferenceNode,
  type RootOperationNode,
  SelectModifierNode,
  type SelectQueryNode,
  sql,
  type UnknownRow,
} from "kysely";

const source = (node: OperationNode) => ({ toOperationNode: () => node });

/** Replaces `excluded.c` by `VALUES(c)` inside an upsert's assignments and condition. */
class ExcludedTransformer extends OperationNodeTransformer {
  protected override transformReference(node: ReferenceNode, queryId?: QueryId): ReferenceNode {
    const table = node.table?.table.identifier.name;
    if (table === "excluded" && node.column.kind === "ColumnNode") {
      const col = node.column.column.name;
      return sql`VALUES(${sql.ref(col)})`.toOperationNode() as unknown as ReferenceNode;
    }
    return super.transformReference(node, queryId);
  }
}

/** MariaDB spells `FOR SHARE` as `LOCK IN SHARE MODE` (MySQL 8 has both). */
const LOCK_SHARED = SelectModifierNode.createWithExpression(
  sql.raw("LOCK IN SHARE MODE").toOperationNode(),
);

class UpsertTransformer extends OperationNodeTransformer {
  readonly #excluded = new ExcludedTransformer();
  protected override transformSelectQuery(
    node: SelectQueryNode,
    queryId?: QueryId,
  ): SelectQueryNode {
    const out = super.transformSelectQuery(node, queryId);
    if (!out.endModifiers?.some((m) => m.modifier === "ForShare")) return out;
    return {
      ...out,
      endModifiers: out.endModifiers.map((m) => (m.modifier === "ForShare" ? LOCK_SHARED : m)),
    };
  }
  protected override transformInsertQuery(
    node: InsertQueryNode,
    queryId?: QueryId,
  ): InsertQueryNode {
    const out = super.transformInsertQuery(node, queryId);
    const conflict = out.onConflict;
    if (!conflict) return out;
    if (conflict.doNothing || !conflict.updates || conflict.updates.length === 0)
      return {
        ...out,
        onConflict: undefined,
        orAction: { kind: "OrActionNode", action: "ignore" } as InsertQueryNode["orAction"],
      };
    const where = conflict.updateWhere
      ? this.#excluded.transformNode(conflict.updateWhere.where, queryId)
      : undefined;
    const updates = conflict.updates.map((u) => {
      const value = this.#excluded.transformNode(u.value, queryId);
      if (!where) return ColumnUpdateNode.create(u.column, value);
      const col = (u.column as ColumnNode).column.name;
      const guarded = sql`IF(${source(where)}, ${source(value)}, ${sql.ref(col)})`;
      return ColumnUpdateNode.create(u.column, guarded.toOperationNode());
    });
    return {
      ...out,
      onConflict: undefined,
      onDuplicateKey: { kind: "OnDuplicateKeyNode", updates },
    };
  }
}

/** The upsert rewrite as a Kysely plugin. */
export function mysqlRewritePlugin(): KyselyPlugin {
  const transformer = new UpsertTransformer();
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      return transformer.transformNode(args.node, args.queryId);
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return args.result;
    },
  };
}
