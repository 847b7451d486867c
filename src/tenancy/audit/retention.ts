/**
 * The audit log's retention job: once at start and then hourly, deletes records older than the
 * configured days (`tenancy.audit_retention_days`, default 365) in every org. The only deleter of
 * audit records (the table's trigger refuses all others). Replicas may run it together: each
 * deletes what is still there.
 */
import type { Logger } from "../../logging/logger.ts";
import { SYSTEM_ORG, withOrg } from "../context.ts";
import type { AuditRepository } from "./repository.ts";

/** Default retention, days. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

/** Starts the job; returns its stop. */
export function startAuditRetention(
  repo: AuditRepository,
  days: number,
  log: Logger,
  everyMs = 3_600_000,
): () => void {
  const sweep = () =>
    withOrg(SYSTEM_ORG, () => repo.expire(days))
      .then((n) => {
        if (n > 0) log.info({ deleted: n, days }, "audit records past retention deleted");
      })
      .catch((err) => log.warn({ err }, "audit retention sweep failed"));
  void sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
