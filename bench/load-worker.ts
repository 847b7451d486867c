/** Child-process entry of the load generator: `tsx bench/load-worker.ts '<LoadSpec JSON>'`. */
import { type LoadSpec, runLoad } from "./load.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
try {
  process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
} catch (err) {
  process.stderr.write(`${err}\n`);
  process.exit(1);
}
