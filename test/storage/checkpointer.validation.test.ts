/**
 * The official checkpointer validation suite on the newest `@langchain/langgraph-checkpoint` (our
 * dev copy); checkpointer.validation.lowest.test.ts runs it on the lowest our peer range allows.
 */
import { checkpointerValidation } from "../support/checkpointer-validation.ts";

await checkpointerValidation("newest checkpoint", "olg_cp");
