/**
 * The Kysely plugin an engine other than PostgreSQL installs: while a statement compiles, every
 * neutral expression (`neutral.ts`) is replaced by the engine's rendering. PostgreSQL installs
 * none (the default rendering is its SQL).
 */
import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RawNode,
  type RootOperationNode,
  type SelectQueryNode,
  type UnknownRow,
} from "kysely";
import { neutralOp } from "./neutral.ts";
import type { SqlEngine } from "./port.ts";

/** Row-lock clauses (`FOR UPDATE`, `SKIP LOCKED`, …), dropped on an engine without row locks. */
const ROW_LOCKS = new Set([
  "ForUpdate",
  "ForShare",
  "ForKeyShare",
  "ForNoKeyUpdate",
  "SkipLocked",
  "NoWait",
]);

class NeutralTransformer extends OperationNodeTransformer {
  constructor(
    private readonly engine: SqlEngine,
    private readonly rowLocks: boolean,
  ) {
    super();
  }
  protected override transformSelectQuery(
    node: SelectQueryNode,
    queryId?: QueryId,
  ): SelectQueryNode {
    const out = super.transformSelectQuery(node, queryId);
    if (this.rowLocks || !out.endModifiers) return out;
    const kept = out.endModifiers.filter((m) => !m.modifier || !ROW_LOCKS.has(m.modifier));
    return { ...out, endModifiers: kept.length > 0 ? kept : undefined };
  }
  protected override transformRaw(node: RawNode, queryId?: QueryId): RawNode {
    const op = neutralOp(node);
    if (!op) return super.transformRaw(node, queryId);
    return this.transformNode(this.engine.render(op).toOperationNode() as RawNode, queryId);
  }
}

/**
 * Renders neutral expressions for `engine`; an engine without row locks (SQLite: one writer, its
 * write transaction excludes the others) loses the builder's row-lock clauses; `decode`
 * post-processes result rows.
 */
export function neutralPlugin(
  engine: SqlEngine,
  decode?: (rows: UnknownRow[]) => UnknownRow[],
): KyselyPlugin {
  const transformer = new NeutralTransformer(engine, engine.capabilities.rowLocks);
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      return transformer.transformNode(args.node, args.queryId);
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return decode ? { ...args.result, rows: decode(args.result.rows) } : args.result;
    },
  };
}
