/** A minimal SSE reader for black-box tests that need the raw `id:` of every event. */

/** One SSE event. */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** Reads `url` (GET) until the server ends the stream or `signal` aborts; calls `onEvent` for each event. */
export async function readSse(
  url: string,
  options: { lastEventId?: string; signal?: AbortSignal },
  onEvent: (e: SseEvent) => void,
): Promise<void> {
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.lastEventId != null) headers["last-event-id"] = options.lastEventId;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) return;
    throw err;
  }
  if (!res.ok || !res.body) throw new Error(`stream ${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let sep = buffer.indexOf("\n\n");
      while (sep >= 0) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const e = parseBlock(block);
        if (e) onEvent(e);
        sep = buffer.indexOf("\n\n");
      }
    }
  } catch (err) {
    if (!options.signal?.aborted) throw err;
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event = "message";
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("id:")) id = line.slice(3).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length === 0 && id == null) return undefined;
  const text = data.join("\n");
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep raw text
  }
  return id == null ? { event, data: parsed } : { id, event, data: parsed };
}
