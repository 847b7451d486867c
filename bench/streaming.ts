/**
 * Suite 3, streaming: sequential `POST /runs/stream` of the 5-node chat graph in
 * `messages-tuple` mode; time to the first event, to the first token, and events per second
 * within one stream.
 */
import type { StreamLatencyJob, StreamLatencyResult } from "./client/stream-latency.ts";
import { runClient } from "./lib/client.ts";
import type { Figure, Suite } from "./lib/suite.ts";

const GROUP = "Streaming: POST /runs/stream, 5-node chat graph, messages-tuple (sequential)";

/** The streaming suite. */
export const streamingSuite: Suite = {
  name: "streaming",
  title: "Streaming latency",
  async measure(target, ctx) {
    const count = ctx.quick ? 5 : 20;
    const job: StreamLatencyJob = {
      url: target.url,
      path: "/runs/stream",
      body: {
        assistant_id: "chat5",
        input: { messages: [{ role: "user", content: "hi" }] },
        stream_mode: ["messages-tuple"],
      },
      count,
      timeoutMs: 30_000,
    };
    let r: StreamLatencyResult | null = null;
    let note: string | undefined;
    try {
      r = await runClient<StreamLatencyResult>("stream-latency", job, {
        timeoutMs: count * 30_000 + 20_000,
      });
      if (r.errors) note = `${r.errors} failed streams, first: ${r.firstError}`;
    } catch (error) {
      note = `stream client failed: ${String(error).slice(0, 300)}`;
    }
    ctx.log(
      `  ${count} streams: first event p50 ${r?.firstEventP50?.toFixed(1)} ms, first token p50 ${r?.firstTokenP50?.toFixed(1)} ms, ${r?.eventsPerSecondP50?.toFixed(0)} events/s${note ? ` [${note}]` : ""}`,
    );
    const fig = (
      key: string,
      label: string,
      unit: string,
      better: Figure["better"],
      value: number | null | undefined,
    ): Figure => ({
      key: `stream.${key}`,
      group: GROUP,
      label,
      unit,
      better,
      value: value ?? null,
    });
    return [
      { ...fig("ttfe.p50", "time to first event: p50", "ms", "lower", r?.firstEventP50), note },
      fig("ttfe.p99", "time to first event: p99", "ms", "lower", r?.firstEventP99),
      fig("ttft.p50", "time to first token: p50", "ms", "lower", r?.firstTokenP50),
      fig("ttft.p99", "time to first token: p99", "ms", "lower", r?.firstTokenP99),
      fig(
        "eps",
        "events per second within one stream (p50)",
        "events/s",
        "higher",
        r?.eventsPerSecondP50,
      ),
      fig("events", "events per stream", "events", "none", r?.eventsPerStream),
    ];
  },
};
