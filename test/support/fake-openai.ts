/**
 * A local OpenAI-compatible server (POST /v1/chat/completions, streamed or not) so that
 * `@langchain/openai` in a user's project really talks HTTP (OPENAI_BASE_URL). Deterministic: when
 * the conversation since the last user message has no tool result yet and the request offers
 * tools, it calls the tool the script names (with the script's arguments); otherwise it answers
 * with text built from the last tool result. Every request is recorded for assertions.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake does for a request that offers tool `name`. */
export type ToolScript = Record<string, Record<string, unknown>>;

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
}

export interface FakeOpenAI {
  /** Base URL for OPENAI_BASE_URL (ends in /v1). */
  url: string;
  requests: Array<{ model: string; stream: boolean; messages: ChatMessage[]; tools: string[] }>;
  close(): Promise<void>;
}

const text = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p === "string" ? p : (p?.text ?? ""))).join("")
      : "";

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf-8"));
}

/** Starts the fake on a free loopback port. */
export async function startFakeOpenAI(script: ToolScript): Promise<FakeOpenAI> {
  const requests: FakeOpenAI["requests"] = [];
  let calls = 0;
  const server: Server = createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const request = (await body(req)) as {
      model: string;
      stream?: boolean;
      messages: ChatMessage[];
      tools?: Array<{ function: { name: string } }>;
      stream_options?: { include_usage?: boolean };
    };
    const tools = (request.tools ?? []).map((t) => t.function.name);
    requests.push({
      model: request.model,
      stream: !!request.stream,
      messages: request.messages,
      tools,
    });
    const lastUser = request.messages.map((m) => m.role).lastIndexOf("user");
    const since = request.messages.slice(lastUser + 1);
    const toolResult = since.filter((m) => m.role === "tool").pop();
    const toolName = tools.find((t) => script[t]);
    const id = `chatcmpl-${++calls}`;
    const created = Math.floor(Date.now() / 1000);
    const toolCall =
      !toolResult && toolName
        ? { id: `call_${calls}`, name: toolName, arguments: JSON.stringify(script[toolName]) }
        : null;
    const answer = toolCall ? "" : `Done. The tool said: ${text(toolResult?.content) || "nothing"}`;
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    const finish = toolCall ? "tool_calls" : "stop";
    if (!request.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model: request.model,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: toolCall ? null : answer,
                ...(toolCall
                  ? {
                      tool_calls: [
                        {
                          id: toolCall.id,
                          type: "function",
                          function: { name: toolCall.name, arguments: toolCall.arguments },
                        },
                      ],
                    }
                  : {}),
              },
              finish_reason: finish,
            },
          ],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model: request.model,
          choices: [{ index: 0, delta, finish_reason: finishReason }],
        })}\n\n`,
      );
    send({ role: "assistant", content: "" });
    if (toolCall) {
      send({
        tool_calls: [
          {
            index: 0,
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: "" },
          },
        ],
      });
      // Arguments in two pieces, as the real API streams them.
      const half = Math.ceil(toolCall.arguments.length / 2);
      for (const piece of [toolCall.arguments.slice(0, half), toolCall.arguments.slice(half)]) {
        send({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
      }
    } else {
      for (const token of answer.match(/\S+\s*/g) ?? []) send({ content: token });
    }
    send({}, finish);
    if (request.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model, choices: [], usage })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
