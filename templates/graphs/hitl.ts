/**
 * A human-in-the-loop agent: the model drafts an email, the graph pauses with an interrupt for a
 * person to approve (or edit) it, and only then "sends" it. Resume with
 * `Command({ resume: { approved: true } })`, or `{ approved: true, edits: { body: "…" } }`.
 */
import { AIMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, interrupt, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { z } from "zod";
import { chatModel, textOf } from "./model.js";

const emailSchema = z.object({ to: z.string(), subject: z.string(), body: z.string() });

const sendEmail = tool(async (email) => `Email to ${email.to} sent.`, {
  name: "send_email",
  description: "Sends an email (after a person approves it).",
  schema: emailSchema,
});

/** The fake model's script: draft an email when asked, then report the outcome. */
const model = await chatModel((messages) => {
  const last = messages.at(-1);
  if (last?.getType() === "tool") return textOf(last);
  const to = /email (\w+)/i.exec(textOf(last))?.[1];
  if (!to) return "Ask me to email someone, for example: email bob about the report.";
  const about = /about (.+)$/i.exec(textOf(last))?.[1] ?? "our conversation";
  return new AIMessage({
    content: "",
    tool_calls: [
      {
        id: "call_email",
        name: "send_email",
        args: { to, subject: about, body: `Hello ${to}, a note about ${about}.` },
      },
    ],
  });
});
const withTools = model.bindTools ? model.bindTools([sendEmail]) : model;

const SYSTEM = "You help write emails. Use send_email to send one.";

/** What the person answers to the interrupt. */
interface Review {
  approved: boolean;
  edits?: Partial<z.infer<typeof emailSchema>>;
}

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("agent", async (state) => ({
    messages: [await withTools.invoke([new SystemMessage(SYSTEM), ...state.messages])],
  }))
  .addNode("review", async (state) => {
    const call = (state.messages.at(-1) as AIMessage).tool_calls![0]!;
    const review = interrupt({ action: "send_email", email: call.args }) as Review;
    if (!review.approved)
      return {
        messages: [
          new ToolMessage({ content: "Cancelled by the reviewer.", tool_call_id: call.id! }),
        ],
      };
    const email = emailSchema.parse({ ...call.args, ...review.edits });
    const result = await sendEmail.invoke(email);
    return { messages: [new ToolMessage({ content: String(result), tool_call_id: call.id! })] };
  })
  .addEdge(START, "agent")
  .addConditionalEdges("agent", (state) =>
    (state.messages.at(-1) as AIMessage).tool_calls?.length ? "review" : END,
  )
  .addEdge("review", "agent")
  .compile();
