/**
 * Normalizes state payloads (`values`, `updates`) into the protocol's message shape: LangChain
 * message dicts become `{type, content, id?, name?, …}` with standard content blocks, parsed tool
 * calls and `invalid_tool_calls` for malformed ones; `__interrupt__` keys are dropped (interrupts
 * travel on the `input` channel). Facts from upstream `protocol/session/state-normalizers.mts`.
 */

const MESSAGE_TYPES = new Set([
  "human",
  "user",
  "ai",
  "assistant",
  "system",
  "tool",
  "function",
  "remove",
]);
const BLOCK_TYPES = new Set([
  "text",
  "reasoning",
  "tool_call",
  "tool_call_chunk",
  "invalid_tool_call",
  "server_tool_call",
  "server_tool_call_chunk",
  "server_tool_call_result",
  "image",
  "audio",
  "video",
  "file",
  "non_standard",
]);
const MEDIA_TYPES = new Set(["image", "audio", "video", "file"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const messageType = (t: unknown) => (t === "assistant" ? "ai" : t === "user" ? "human" : t);

/** Whether a value is a serialized message. */
export function isStateMessage(value: unknown): value is Obj {
  return isObj(value) && MESSAGE_TYPES.has(String(messageType(value.type) ?? ""));
}

/** One content block in protocol form (media casing `mime_type`; unknown blocks wrapped). */
export function normalizeBlock(value: unknown): Obj | undefined {
  if (typeof value === "string") return { type: "text", text: value };
  if (!isObj(value) || typeof value.type !== "string") return undefined;
  if (BLOCK_TYPES.has(value.type)) {
    if (!MEDIA_TYPES.has(value.type) || typeof value.mimeType !== "string") return value;
    const { mimeType, ...rest } = value;
    return typeof rest.mime_type === "string" ? rest : { ...rest, mime_type: mimeType };
  }
  if (value.type === "image_url") {
    const img = value.image_url;
    const url = typeof img === "string" ? img : isObj(img) ? img.url : undefined;
    return typeof url === "string" ? { type: "image", url } : undefined;
  }
  return { type: "non_standard", value: { ...value } };
}

function normalizeContent(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  const blocks = content.map(normalizeBlock).filter((b): b is Obj => b != null);
  return blocks.length > 0 ? blocks : content;
}

function parseArgs(raw: unknown): { valid: boolean; args: unknown } {
  if (raw == null || raw === "") return { valid: true, args: {} };
  if (typeof raw !== "string") return { valid: true, args: raw };
  try {
    return { valid: true, args: JSON.parse(raw) };
  } catch {
    return { valid: false, args: raw };
  }
}

function toolCallsOf(message: Obj) {
  const kwargs = isObj(message.additional_kwargs) ? message.additional_kwargs : {};
  const raw =
    Array.isArray(message.tool_calls) && message.tool_calls.length > 0
      ? message.tool_calls
      : Array.isArray(kwargs.tool_calls)
        ? kwargs.tool_calls
        : [];
  const valid: Obj[] = [];
  const invalid: Obj[] = [];
  for (const call of raw) {
    if (!isObj(call)) continue;
    const fn = isObj(call.function) ? call.function : {};
    const id = typeof call.id === "string" ? { id: call.id } : {};
    const name = typeof call.name === "string" ? call.name : (fn.name as string | undefined);
    const { valid: ok, args } = parseArgs("args" in call ? call.args : fn.arguments);
    if (typeof name !== "string") {
      invalid.push({
        ...id,
        ...(typeof args === "string" ? { args } : {}),
        error: "Incomplete tool call.",
        type: "invalid_tool_call",
      });
    } else if (!ok) {
      invalid.push({ ...id, name, args, error: "Malformed args.", type: "invalid_tool_call" });
    } else valid.push({ ...id, name, args, type: "tool_call" });
  }
  if (Array.isArray(message.invalid_tool_calls) && message.invalid_tool_calls.length > 0) {
    invalid.length = 0;
    for (const call of message.invalid_tool_calls.filter(isObj)) {
      invalid.push({
        ...(typeof call.id === "string" ? { id: call.id } : {}),
        ...(typeof call.name === "string" ? { name: call.name } : {}),
        ...(typeof call.args === "string" ? { args: call.args } : {}),
        error: typeof call.error === "string" ? call.error : "Malformed args.",
        type: "invalid_tool_call",
      });
    }
  }
  return { valid, invalid };
}

/** One serialized message in protocol form. */
export function normalizeMessage(value: Obj): Obj {
  const type = messageType(value.type) as string;
  const out: Obj = { type, content: normalizeContent("content" in value ? value.content : "") };
  if (typeof value.id === "string") out.id = value.id;
  if (typeof value.name === "string") out.name = value.name;
  if (isObj(value.response_metadata) && Object.keys(value.response_metadata).length > 0)
    out.response_metadata = value.response_metadata;
  if ((type === "ai" || type === "human") && typeof value.example === "boolean")
    out.example = value.example;
  if (type === "tool") {
    if (typeof value.tool_call_id === "string") out.tool_call_id = value.tool_call_id;
    if (value.status === "success" || value.status === "error") out.status = value.status;
    if ("artifact" in value) out.artifact = value.artifact;
  }
  if (type === "ai") {
    const { valid, invalid } = toolCallsOf(value);
    if (valid.length > 0) out.tool_calls = valid;
    if (invalid.length > 0) out.invalid_tool_calls = invalid;
  }
  return out;
}

/** Recursively normalizes a state payload (messages anywhere, `__interrupt__` dropped). */
export function normalizeStatePayload(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((v) => (isStateMessage(v) ? normalizeMessage(v) : normalizeStatePayload(v)));
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === "__interrupt__") continue;
    out[key] =
      key === "messages" && Array.isArray(entry)
        ? entry.map((m) => (isStateMessage(m) ? normalizeMessage(m) : m))
        : normalizeStatePayload(entry);
  }
  return out;
}
