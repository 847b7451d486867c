/**
 * One WebSocket connection of the protocol: a {@link Listener} holding the connection's
 * subscriptions. Commands arrive as frames; `subscription.subscribe` answers first and then replays
 * the current run's buffered events that match (on one ordered wire the client must register the
 * subscription before its events arrive); live events are sent once per connection when any
 * subscription matches (the SDK fans them out to its subscriptions itself).
 */

import { newId } from "../core/ids.ts";
import { checkInputLimits, InputLimitError } from "../core/limits.ts";
import { serializeAsDict } from "../core/serde.ts";
import type { CreateContext } from "../runs/service.ts";
import { matchesFilter, parseSubscribeParams } from "./filter.ts";
import { type ProtocolService, protocolError } from "./service.ts";
import type { Listener, ThreadSession } from "./session.ts";
import type { EventFilter, ProtocolCommand, ProtocolEvent, ProtocolResponse } from "./types.ts";

/** A protocol WebSocket connection bound to a thread. */
export class ProtocolConnection implements Listener {
  readonly #subscriptions = new Map<string, EventFilter>();
  readonly #session: ThreadSession;

  constructor(
    private readonly service: ProtocolService,
    private readonly threadId: string,
    private readonly send: (text: string) => void,
    private readonly ctx: CreateContext,
    private readonly onError?: (error: unknown) => void,
  ) {
    this.#session = service.session(threadId);
    this.#session.attach(this, Number.POSITIVE_INFINITY);
  }

  accepts(event: ProtocolEvent): boolean {
    for (const filter of this.#subscriptions.values())
      if (matchesFilter(filter, event)) return true;
    return false;
  }

  deliver(message: ProtocolEvent | ProtocolResponse): void {
    try {
      this.send(serializeAsDict(message));
    } catch (err) {
      this.onError?.(err);
    }
  }

  /** Handles one text frame; the response of a command (undefined for subscriptions). */
  async receive(text: string): Promise<ProtocolResponse | undefined> {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return void this.deliver(
        protocolError(null, "invalid_argument", "Protocol commands must be valid JSON."),
      );
    }
    try {
      checkInputLimits(payload);
    } catch (error) {
      if (!(error instanceof InputLimitError)) throw error;
      return void this.deliver(protocolError(null, "invalid_argument", error.message));
    }
    const p = payload as Partial<ProtocolCommand> | null;
    if (
      typeof p !== "object" ||
      p == null ||
      typeof p.id !== "number" ||
      !Number.isInteger(p.id) ||
      p.id < 0 ||
      typeof p.method !== "string"
    )
      return void this.deliver(
        protocolError(
          null,
          "invalid_argument",
          "Protocol commands must include an integer id and string method.",
        ),
      );
    const command = p as ProtocolCommand;
    if (command.method === "subscription.subscribe") return void this.#subscribe(command);
    if (command.method === "subscription.unsubscribe") return void this.#unsubscribe(command);
    let response: ProtocolResponse;
    try {
      response = await this.service.command(this.threadId, command, this.ctx);
    } catch (err) {
      response = protocolError(
        command.id,
        "unknown_error",
        err instanceof Error ? err.message : String(err),
      );
    }
    this.deliver(response);
    return response;
  }

  #meta() {
    return { thread_id: this.threadId, applied_through_seq: this.#session.seq };
  }

  #subscribe(command: ProtocolCommand): void {
    const filter = parseSubscribeParams(command.params);
    if (typeof filter === "string")
      return void this.deliver(protocolError(command.id, "invalid_argument", filter));
    const id = newId();
    // Replay from the current run's start (or `since`), response first; all synchronous, so no
    // live event can slip in between.
    const from = Math.max(this.#session.runStartSeq, filter.since ?? 0);
    const replay = this.#session.buffered(from, (e) => matchesFilter(filter, e));
    this.deliver({
      type: "success",
      id: command.id,
      result: { subscription_id: id, replayed_events: replay.length },
      meta: this.#meta(),
    });
    for (const event of replay) this.deliver(event);
    this.#subscriptions.set(id, { ...filter, since: undefined });
  }

  #unsubscribe(command: ProtocolCommand): void {
    const sid = command.params?.subscription_id;
    if (typeof sid !== "string")
      return void this.deliver(
        protocolError(
          command.id,
          "invalid_argument",
          "subscription.unsubscribe requires a subscription_id.",
        ),
      );
    if (!this.#subscriptions.delete(sid))
      return void this.deliver(
        protocolError(command.id, "no_such_subscription", `Unknown subscription: ${sid}`),
      );
    this.deliver({ type: "success", id: command.id, result: {}, meta: this.#meta() });
  }

  /** Detaches from the thread (socket closed). */
  close(): void {
    this.#session.detach(this);
  }
}
