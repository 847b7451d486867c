/**
 * A ReAct agent: the model decides which tool to call, the tools node runs it, and the model
 * answers once it has what it needs. Add tools to `tools` below.
 */
import { AIMessage, SystemMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { z } from "zod";
import { chatModel, textOf } from "./model.js";

const getWeather = tool(
  async ({ city }) => {
    const forecast: Record<string, string> = { paris: "sunny, 22°C", london: "rainy, 14°C" };
    return forecast[city.toLowerCase()] ?? "cloudy, 18°C";
  },
  {
    name: "get_weather",
    description: "The current weather in a city.",
    schema: z.object({ city: z.string().describe("the city name") }),
  },
);

const calculator = tool(
  async ({ a, b, op }) => {
    const result = { add: a + b, subtract: a - b, multiply: a * b, divide: a / b }[op];
    return String(result);
  },
  {
    name: "calculator",
    description: "Adds, subtracts, multiplies or divides two numbers.",
    schema: z.object({
      a: z.number(),
      b: z.number(),
      op: z.enum(["add", "subtract", "multiply", "divide"]),
    }),
  },
);

const tools = [getWeather, calculator];

/** The fake model's script: call a tool when asked, then report its result. */
const model = await chatModel((messages) => {
  const last = messages.at(-1);
  if (last?.getType() === "tool") return `The ${last.name} tool says: ${textOf(last)}.`;
  const text = textOf(last);
  const city = /weather in ([A-Za-z ]+?)\W*$/i.exec(text)?.[1];
  if (city)
    return new AIMessage({
      content: "",
      tool_calls: [{ id: "call_weather", name: "get_weather", args: { city } }],
    });
  const sum = /(-?\d+(?:\.\d+)?)\s*([+*/-])\s*(-?\d+(?:\.\d+)?)/.exec(text);
  if (sum) {
    const op = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide" }[sum[2]!];
    return new AIMessage({
      content: "",
      tool_calls: [
        { id: "call_calc", name: "calculator", args: { a: Number(sum[1]), b: Number(sum[3]), op } },
      ],
    });
  }
  return `You said: ${text}`;
});
const withTools = model.bindTools ? model.bindTools(tools) : model;

const SYSTEM = "You are a helpful assistant. Use the tools when they help.";

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state) => ({
    messages: [await withTools.invoke([new SystemMessage(SYSTEM), ...state.messages])],
  }))
  .addNode("tools", new ToolNode(tools))
  .addEdge(START, "agent")
  .addConditionalEdges("agent", (state) =>
    (state.messages.at(-1) as AIMessage).tool_calls?.length ? "tools" : END,
  )
  .addEdge("tools", "agent")
  .compile();
