/**
 * A graph around a LangChain Hub prompt, imported by `olg graph import` (the manifest is in
 * ./hub/__GRAPH__.json; its version is recorded in hub.lock.json, and `olg graph import <id>
 * --update` moves it). Input: `messages`, and `variables` for the prompt's variables; a variable the
 * input leaves out gets the last user message (a messages placeholder gets the conversation).
 */
import { readFileSync } from "node:fs";
import { load } from "@langchain/core/load";
import { AIMessage } from "@langchain/core/messages";
import type { BasePromptTemplate } from "@langchain/core/prompts";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { chatModel, textOf } from "./model.js";

const manifest = readFileSync(new URL("./hub/__GRAPH__.json", import.meta.url), "utf-8");
const prompt = await load<BasePromptTemplate>(manifest);

/** Variables filled from messages placeholders (the conversation goes there). */
const messageVariables = new Set(
  ((prompt as { promptMessages?: { variableName?: string }[] }).promptMessages ?? [])
    .map((m) => m.variableName)
    .filter((name): name is string => typeof name === "string"),
);

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  variables: Annotation<Record<string, unknown>>,
});

/** The fake model's script: echo the formatted prompt's last message. */
const model = await chatModel((messages) => `Prompt answered: ${textOf(messages.at(-1))}`);

export const graph = new StateGraph(State)
  .addNode("respond", async (state) => {
    const question = textOf(state.messages.filter((m) => m.getType() === "human").at(-1));
    const values: Record<string, unknown> = {};
    for (const name of prompt.inputVariables)
      values[name] =
        state.variables?.[name] ?? (messageVariables.has(name) ? state.messages : question);
    const formatted = await prompt.formatPromptValue(values);
    const reply = await model.invoke(formatted.toChatMessages());
    return { messages: [new AIMessage({ content: reply.content, id: reply.id })] };
  })
  .addEdge(START, "respond")
  .addEdge("respond", END)
  .compile();
