/**
 * The A2A agent card of one assistant, served at `/.well-known/agent-card.json?assistant_id=` and
 * `/a2a/:assistant_id/.well-known/agent-card.json`. It carries the v1.0 `supportedInterfaces`
 * (one JSON-RPC interface, protocol 1.0) and the v0.3 fields (`url`, `protocolVersion`,
 * `preferredTransport`), so clients of either generation find the endpoint. Input/output modes
 * come from the assistant's `metadata.a2a` when set, as on LangGraph Platform.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { within } from "./convert.ts";

const DEFAULT_MODES = ["application/json", "text/plain"];

const modes = (value: unknown) =>
  Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")
    ? (value as string[])
    : DEFAULT_MODES;

/** Builds the card; `baseUrl` is the server's public origin. Throws the SDK's 404 for an unknown assistant. */
export async function agentCard(
  client: Client,
  assistantId: string,
  baseUrl: string,
  version: string,
): Promise<Record<string, unknown>> {
  const assistant = await client.assistants.get(assistantId);
  const schemas = await within(client.assistants.getSchemas(assistant.assistant_id), 5000);
  const input = (schemas?.input_schema ?? {}) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const properties = Object.keys(input.properties ?? {}).sort();
  const description = assistant.description || `${assistant.name} assistant`;
  const a2a = ((assistant.metadata ?? {}) as { a2a?: Record<string, unknown> }).a2a ?? {};
  const inputModes = modes(a2a.input_modes);
  const outputModes = modes(a2a.output_modes);
  const url = `${baseUrl.replace(/\/$/, "")}/a2a/${assistant.assistant_id}`;
  return {
    name: assistant.name,
    description,
    version,
    supportedInterfaces: [{ url, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
    protocolVersion: "0.3.0",
    url,
    preferredTransport: "JSONRPC",
    capabilities: { streaming: true, pushNotifications: false, stateTransitionHistory: false },
    defaultInputModes: inputModes,
    defaultOutputModes: outputModes,
    skills: [
      {
        id: `${assistant.assistant_id}-main`,
        name: `${assistant.name} Capabilities`,
        description,
        tags: ["assistant", "langgraph"],
        examples: [],
        inputModes,
        outputModes,
        metadata: {
          inputSchema: {
            required: input.required ?? [],
            properties,
            supportsA2A: properties.includes("messages"),
          },
        },
      },
    ],
  };
}
