/**
 * The audit log (issue 19) becomes append-only and says how each record's change ended.
 * - A trigger refuses UPDATE and DELETE on `audit_log` for every role (superusers included), except
 *   the retention job's DELETE, which sets `olg.audit_retention = 'on'` for its own transaction
 *   (src/tenancy/audit/repository.ts). TRUNCATE (test-mode reset only) is not a row operation.
 * - `outcome` becomes text: `committed` (the record was written in the transaction of the change it
 *   describes) or `no_change` (the request succeeded without writing anything).
 * (The function body stays on one line: migrate.ts splits scripts at `;` + newline.)
 * - An index on `(org_id, audit_id)` serves the admin API's newest-first pages per org.
 */
export const name = "audit_append_only";

export const up = `
ALTER TABLE audit_log ALTER COLUMN outcome TYPE text USING outcome::text;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS status integer;
CREATE INDEX IF NOT EXISTS audit_log_org_id_idx ON audit_log (org_id, audit_id);
CREATE OR REPLACE FUNCTION olg_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' AND current_setting('olg.audit_retention', true) = 'on' THEN RETURN OLD; END IF; RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION olg_audit_append_only();
`;
