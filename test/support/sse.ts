/**
 * Server-sent events as tests read them (WHATWG HTML "event stream interpretation"): frames end at a
 * blank line (LF, CRLF or CR); a line starting with ":" is a comment (our heartbeats) and belongs to
 * no frame, so a heartbeat between or inside frames never shifts or splits them.
 */

/** The raw frames of `text`, comment lines removed, empty frames dropped. */
export function sseFrames(text: string): string[] {
  const frames: string[] = [];
  let lines: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (lines.length > 0) frames.push(lines.join("\n"));
      lines = [];
    } else if (!line.startsWith(":")) {
      lines.push(line);
    }
  }
  if (lines.length > 0) frames.push(lines.join("\n"));
  return frames;
}

/** One parsed event: `data` is JSON when it parses, else the text. */
export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

/** The events of `text` (event defaults to "message"; multi-line data joined with "\n"). */
export function parseSse(text: string): SseEvent[] {
  return sseFrames(text).map((frame) => {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of frame.split("\n")) {
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    const raw = data.join("\n");
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // not JSON: keep the text
    }
    return { event, id, data: parsed };
  });
}
