/**
 * Server-sent events over `fetch` (so the API key header can be sent, which `EventSource` cannot):
 * yields `{event, id, data}` per message until the stream ends or `signal` aborts.
 */
import { apiFetch } from "./client.ts";

/** One SSE message; `data` parsed as JSON when it is. */
export interface SseMessage {
  event: string;
  id?: string;
  data: unknown;
}

/** Reads `path` as an SSE stream. */
export async function* readSse(path: string, signal: AbortSignal): AsyncGenerator<SseMessage> {
  const res = await apiFetch(path, { signal, headers: { Accept: "text/event-stream" } });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
      let event = "message";
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("id:")) id = line.slice(3).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length === 0) continue;
      const text = data.join("\n");
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // plain text
      }
      yield { event, id, data: parsed };
    }
  }
}
