/**
 * A thread's conversation as chat: human, AI and tool messages (tool calls and their results shown
 * inline), then the pending interrupts.
 */
import { Json } from "./ui.tsx";

interface Message {
  type?: string;
  role?: string;
  content?: unknown;
  id?: string;
  name?: string;
  tool_calls?: { id?: string; name: string; args: unknown }[];
  tool_call_id?: string;
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((part) =>
        typeof part === "string"
          ? part
          : ((part as { text?: string })?.text ?? JSON.stringify(part)),
      )
      .join("");
  return JSON.stringify(content);
}

const ROLE_STYLE: Record<string, string> = {
  human: "self-end bg-indigo-700 text-white",
  ai: "self-start bg-white border border-slate-200",
  tool: "self-start bg-amber-50 border border-amber-200",
  system: "self-center bg-slate-200",
};

/** The messages of `values.messages`, and the interrupts waiting for an answer. */
export function Chat({ messages, interrupts }: { messages: Message[]; interrupts: unknown[] }) {
  return (
    <ol className="flex flex-col gap-2" aria-label="Conversation" data-testid="chat">
      {messages.map((m, i) => {
        const role = m.type ?? m.role ?? "ai";
        return (
          <li
            key={m.id ?? i}
            className={`max-w-[85%] rounded-lg px-3 py-2 text-sm ${ROLE_STYLE[role] ?? ROLE_STYLE.ai}`}
            data-role={role}
          >
            <div className="mb-0.5 text-xs font-semibold opacity-80">
              {role}
              {m.name ? ` · ${m.name}` : ""}
              {role === "tool" && m.tool_call_id ? ` · result of ${m.tool_call_id}` : ""}
            </div>
            <div className="whitespace-pre-wrap">{text(m.content)}</div>
            {m.tool_calls?.map((call) => (
              <div key={call.id ?? call.name} className="mt-2 rounded border border-slate-300 p-2">
                <div className="text-xs font-semibold">Tool call: {call.name}</div>
                <Json value={call.args} className="mt-1 max-h-32" />
              </div>
            ))}
          </li>
        );
      })}
      {interrupts.map((it, i) => (
        <li
          key={(it as { id?: string })?.id ?? `interrupt-${String(i)}`}
          className="self-start rounded-lg border-2 border-amber-600 bg-amber-50 px-3 py-2 text-sm"
          data-testid="interrupt"
        >
          <div className="text-xs font-semibold text-amber-900">
            Interrupt: waiting for an answer
          </div>
          <Json value={(it as { value?: unknown })?.value ?? it} className="mt-1 max-h-40" />
        </li>
      ))}
    </ol>
  );
}
