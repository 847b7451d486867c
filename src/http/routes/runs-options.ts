/** What the run routes (thread-bound and stateless) are built from. */
import type { RunsService } from "../../runs/service.ts";
import type { RouteAuth } from "../authz.ts";
import type { CheckpointLookup } from "./join-from-checkpoint.ts";

/** What the run routes are built from. */
export interface RunRoutesOptions {
  runs: RunsService;
  /** Authorization: runs emit `threads:*` events and are scoped through their thread. */
  auth: RouteAuth;
  /** Reads a checkpoint for `joinStream(..., {checkpointId})`; without it joins send whole runs. */
  checkpoint?: CheckpointLookup;
}
