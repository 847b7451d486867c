/**
 * The legacy `messages` stream mode (`messages/metadata`, `messages/partial`, `messages/complete`),
 * derived as upstream does: partials from `on_chat_model_stream` chunks accumulated per message id,
 * completes from message lists seen in `values` chunks (each message id once).
 */
import type { RunEvent } from "./types.ts";

type Chunk = { id?: string; concat?: (other: Chunk) => Chunk };

/** Per-run state of the legacy messages derivation. */
export class LegacyMessages {
  readonly #partial = new Map<string, Chunk>();
  readonly #completed = new Set<string>();

  /** `messages/complete` for the messages of a `values` chunk not completed before. */
  fromValues(values: unknown): RunEvent[] {
    let list: unknown = [];
    if (
      typeof values === "object" &&
      values != null &&
      "messages" in values &&
      !isMessage(values)
    ) {
      list = (values as { messages: unknown }).messages;
    }
    const messages = Array.isArray(list) ? list : [list];
    const fresh: unknown[] = [];
    for (const message of messages) {
      const id = (message as Chunk | null)?.id;
      if (!id || this.#completed.has(id)) continue;
      this.#completed.add(id);
      fresh.push(message);
    }
    return fresh.length > 0 ? [{ event: "messages/complete", data: fresh }] : [];
  }

  /** `messages/metadata` (first chunk of a message) and `messages/partial` for one token chunk. */
  fromToken(chunk: Chunk, metadata: unknown): RunEvent[] {
    const id = chunk?.id;
    if (!id) return [];
    const out: RunEvent[] = [];
    const previous = this.#partial.get(id);
    if (previous == null) {
      this.#partial.set(id, chunk);
      out.push({ event: "messages/metadata", data: { [id]: { metadata } } });
    } else {
      this.#partial.set(id, typeof previous.concat === "function" ? previous.concat(chunk) : chunk);
    }
    out.push({ event: "messages/partial", data: [this.#partial.get(id)] });
    return out;
  }
}

function isMessage(value: object): boolean {
  const v = value as { lc_serializable?: unknown; _getType?: unknown; getType?: unknown };
  return typeof v._getType === "function" || typeof v.getType === "function";
}
