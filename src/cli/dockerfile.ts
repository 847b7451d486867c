/**
 * `olg dockerfile [save-path]`: writes a Dockerfile that builds the project into an image of our
 * server (as `langgraph dockerfile` does), a .dockerignore when the project has none, and with
 * `--add-docker-compose` a docker-compose.yml running it on PostgreSQL and Redis. The writing
 * (./docker/write.ts) is imported when the command runs.
 */
import type { Command } from "commander";
import { examples } from "./help.ts";
import { color } from "./ui/term.ts";

/** Registers the command. */
export function registerDockerfile(program: Command): void {
  const cmd = program
    .command("dockerfile")
    .description("Write a Dockerfile (and a docker-compose.yml) that builds this project's image")
    .argument("[save-path]", "where to write the Dockerfile (default: Dockerfile in the project)")
    .option(
      "-c, --config <file>",
      "config file, or the folder holding it (default: ./open_langgraph.json, ./langgraph.json)",
    )
    .option("--add-docker-compose", "also write docker-compose.yml with PostgreSQL and Redis")
    .action(
      async (
        savePath: string | undefined,
        opts: { config?: string; addDockerCompose?: boolean },
      ) => {
        const { writeDockerFiles } = await import("./docker/write.ts");
        const { written, notes } = writeDockerFiles({
          cwd: process.cwd(),
          config: opts.config,
          savePath,
          addDockerCompose: opts.addDockerCompose,
        });
        for (const file of written) console.log(`${color.green("wrote")} ${file}`);
        for (const note of notes) console.log(`${color.yellow("note")} ${note}`);
      },
    );
  examples(cmd, [
    ["olg dockerfile", "write ./Dockerfile (and .dockerignore) for this project"],
    ["olg dockerfile --add-docker-compose", "also docker-compose.yml with PostgreSQL and Redis"],
    ["olg dockerfile -c agents/langgraph.json build/Dockerfile", "another config and save path"],
  ]);
}
