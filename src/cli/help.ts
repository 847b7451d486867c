/** Help text conventions shared by every command: an "Examples" section after the options. */
import type { Command } from "commander";
import { color } from "./ui/term.ts";

/** Appends an "Examples:" section (command, then what it does) to a command's `--help`. */
export function examples(cmd: Command, items: [command: string, what: string][]): Command {
  return cmd.addHelpText("after", () => {
    const lines = items.map(([c, what]) => `  ${color.cyan(`$ ${c}`)}\n      ${color.dim(what)}`);
    return `\nExamples:\n${lines.join("\n")}\n`;
  });
}
