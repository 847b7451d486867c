/** Turns the wire form of a command (`{goto, update, resume}`) into a LangGraph `Command`. */
import { Command, Send } from "@langchain/langgraph";

/** A `Send` on the wire. */
export interface WireSend {
  node: string;
  input?: unknown;
}

/** A command on the wire, as in run and superstep payloads. */
export interface WireCommand {
  goto?: string | WireSend | (string | WireSend)[];
  update?: Record<string, unknown> | [string, unknown][];
  resume?: unknown;
}

/** The LangGraph `Command` for a wire command (single gotos become lists, sends become `Send`). */
export function toLangGraphCommand(command: WireCommand): Command {
  const goto =
    command.goto == null ? undefined : Array.isArray(command.goto) ? command.goto : [command.goto];
  return new Command({
    goto: goto?.map((item) => (typeof item === "string" ? item : new Send(item.node, item.input))),
    update: command.update,
    resume: command.resume,
  });
}
