/**
 * Subscription matching, shared by SSE sinks and WebSocket subscriptions. Channel inference and
 * namespace prefix matching come from LangGraph's streaming toolkit, so the server and the SDK
 * (which fans events out to its own subscriptions with the same functions) agree.
 */
import { inferChannel, isPrefixMatch, isSupportedChannel } from "@langchain/langgraph/stream";
import type { EventFilter, Namespace, ProtocolEvent } from "./types.ts";

/** Whether `event` passes `filter` (channels, namespace prefixes with depth, `since`). */
export function matchesFilter(filter: EventFilter, event: ProtocolEvent): boolean {
  if (filter.since != null && event.seq <= filter.since) return false;
  const channel = inferChannel(event as never);
  if (channel == null) return false;
  const channelOk =
    filter.channels.has(channel) ||
    (channel.startsWith("custom:") && filter.channels.has("custom"));
  if (!channelOk) return false;
  if (!filter.namespaces?.length) return true;
  return filter.namespaces.some(
    (prefix) =>
      isPrefixMatch(event.params.namespace, prefix) &&
      (filter.depth == null || event.params.namespace.length - prefix.length <= filter.depth),
  );
}

/** Parses `subscription.subscribe` params; returns an error message when they are invalid. */
export function parseSubscribeParams(params: unknown): EventFilter | string {
  const p = (params ?? {}) as Record<string, unknown>;
  const raw = p.channels;
  if (!Array.isArray(raw) || raw.length === 0)
    return "subscription.subscribe requires a non-empty channels array.";
  if (!raw.every((c) => typeof c === "string" && isSupportedChannel(c)))
    return "subscription.subscribe received an unsupported channel.";
  const namespaces =
    Array.isArray(p.namespaces) &&
    p.namespaces.every((ns) => Array.isArray(ns) && ns.every((s) => typeof s === "string"))
      ? (p.namespaces as Namespace[])
      : undefined;
  const depth =
    typeof p.depth === "number" && Number.isInteger(p.depth) && p.depth >= 0 ? p.depth : undefined;
  const since =
    typeof p.since === "number" && Number.isInteger(p.since) && p.since >= 0 ? p.since : undefined;
  return { channels: new Set(raw as string[]), namespaces, depth, since };
}
