/**
 * Turns the logged events of one protocol run (v3 pipeline, see src/stream/run-protocol.ts) into
 * protocol event drafts: root lifecycle is owned by the session (dropped here), `values` lose their
 * `__interrupt__` key and announce each new interrupt once on the `input` channel
 * (`input.requested`), `updates` of the `__interrupt__` pseudo-node become input requests, state
 * payloads get the protocol message shape, named custom channels become `custom` events with a
 * `name`. Runs executed on the legacy path (a run on the thread started by `POST …/runs`) are
 * translated best-effort from their stream-mode events.
 */
import { normalizeStatePayload } from "./state-normalize.ts";
import type { NamespaceTree } from "./tree.ts";
import type { EventDraft, Namespace } from "./types.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Interrupts of a `values` / `__interrupt__` update payload as `input.requested` data. */
export function inputRequests(value: unknown): { interrupt_id: string; payload: unknown }[] {
  const list = Array.isArray(value)
    ? value
    : isObj(value) && Array.isArray(value.__interrupt__)
      ? value.__interrupt__
      : [];
  return list.flatMap((entry: unknown) =>
    isObj(entry) && typeof entry.id === "string"
      ? [{ interrupt_id: entry.id, payload: "value" in entry ? entry.value : undefined }]
      : [],
  );
}

/** Per-run translator state. */
export class RunTranslator {
  /** Interrupt ids already announced in this run. */
  readonly announced = new Set<string>();
  /** Set when the run's log carried an `error` event (root lifecycle `failed` was emitted). */
  failed = false;

  constructor(
    private readonly tree: NamespaceTree,
    private readonly rootName: string,
  ) {}

  /** Drafts for one logged run event. */
  translate(event: string, data: unknown): EventDraft[] {
    if (event === "metadata") return [];
    if (event === "error") {
      this.failed = true;
      this.tree.set([], "failed");
      const message = isObj(data) && typeof data.message === "string" ? data.message : String(data);
      // A refused strict resume: the SDK reads `{reason, interrupt_ids, pending_ids}` here.
      const refusal =
        isObj(data) && typeof data.reason === "string"
          ? {
              reason: data.reason,
              interrupt_ids: data.interrupt_ids,
              pending_ids: data.pending_ids,
            }
          : {};
      return [
        {
          method: "lifecycle",
          namespace: [],
          data: {
            event: "failed",
            graph_name: this.rootName,
            error: message,
            ...(isObj(data) && typeof data.error === "string" ? { error_type: data.error } : {}),
            ...refusal,
          },
        },
      ];
    }
    const [method = "", ...namespace] = event.split("|");
    switch (method) {
      case "lifecycle": {
        if (namespace.length === 0) return [];
        const d = (data ?? {}) as Obj;
        this.tree.set(
          namespace,
          String(d.event ?? "started"),
          typeof d.graph_name === "string" ? d.graph_name : undefined,
        );
        return [{ method, namespace, data }];
      }
      case "values": {
        this.tree.ensure(namespace);
        const drafts = this.#inputs(namespace, inputRequests(data));
        const values = normalizeStatePayload(data);
        if (!isObj(values) || Object.keys(values).length > 0)
          drafts.push({ method, namespace, data: values });
        return drafts;
      }
      case "updates":
        this.tree.ensure(namespace);
        return this.#updates(namespace, data);
      case "messages":
        this.tree.ensure(namespace);
        return [{ method, namespace, data }];
      case "tools":
      case "checkpoints":
      case "tasks":
        this.tree.ensure(namespace);
        return [{ method, namespace, data }];
      case "custom":
        this.tree.ensure(namespace);
        return [
          { method, namespace, data: isObj(data) && "payload" in data ? data : { payload: data } },
        ];
      case "debug":
      case "events":
      case "feedback":
        return [];
      default: {
        // Extension channels (`custom:<name>` from stream transformers) are named custom events.
        const name = method.startsWith("custom:") ? method.slice("custom:".length) : method;
        if (!name || method.includes("/")) return [];
        this.tree.ensure(namespace);
        return [{ method: "custom", namespace, data: { name, payload: data } }];
      }
    }
  }

  #updates(namespace: Namespace, data: unknown): EventDraft[] {
    if (isObj(data) && typeof data.node === "string" && "values" in data) {
      if (data.node === "__interrupt__") return this.#inputs(namespace, inputRequests(data.values));
      // As upstream: `data` is the node's (normalized) update, the node name is `params.node`.
      return [
        { method: "updates", namespace, node: data.node, data: normalizeStatePayload(data.values) },
      ];
    }
    // Legacy `updates` chunk `{node: update}`.
    if (isObj(data) && Object.keys(data).length === 1) {
      const [node, values] = Object.entries(data)[0]!;
      if (node === "__interrupt__") return this.#inputs(namespace, inputRequests(values));
      const update = normalizeStatePayload(isObj(values) ? values : { value: values });
      return [{ method: "updates", namespace, node, data: update }];
    }
    return [{ method: "updates", namespace, data: normalizeStatePayload(data) }];
  }

  #inputs(
    namespace: Namespace,
    requests: { interrupt_id: string; payload: unknown }[],
  ): EventDraft[] {
    const drafts: EventDraft[] = [];
    for (const request of requests) {
      if (this.announced.has(request.interrupt_id)) continue;
      this.announced.add(request.interrupt_id);
      drafts.push({ method: "input.requested", namespace, data: request });
    }
    return drafts;
  }
}
