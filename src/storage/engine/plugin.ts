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
  type UnknownRow,
} from "kysely";
import { neutralOp } from "./neutral.ts";
import type { SqlEngine } from "./port.ts";

class NeutralTransformer extends OperationNodeTransformer {
  constructor(private readonly engine: SqlEngine) {
    super();
  }
  protected override transformRaw(node: RawNode, queryId?: QueryId): RawNode {
    const op = neutralOp(node);
    if (!op) return super.transformRaw(node, queryId);
    return this.transformNode(this.engine.render(op).toOperationNode() as RawNode, queryId);
  }
}

/** Renders neutral expressions for `engine`; `decode` post-processes result rows (types). */
export function neutralPlugin(
  engine: SqlEngine,
  decode?: (rows: UnknownRow[]) => UnknownRow[],
): KyselyPlugin {
  const transformer = new NeutralTransformer(engine);
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      return transformer.transformNode(args.node, args.queryId);
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return decode ? { ...args.result, rows: decode(args.result.rows) } : args.result;
    },
  };
}
