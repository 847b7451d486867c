/**
 * MySQL/MariaDB twins of `../../migrations/012_audit_append_only.ts` and `013_sso_sessions.ts`.
 * The append-only audit log is a pair of triggers that refuse UPDATE and DELETE unless the
 * session says it is the retention job (`@olg_audit_retention = 'on'`, MariaDB's counterpart of
 * the PostgreSQL setting); SQLSTATE 42501 as on PostgreSQL. Trigger bodies stay on one line
 * (`../migrate.ts` splits scripts at `;` + newline).
 */
const refuse = (op: string) =>
  `CREATE TRIGGER IF NOT EXISTS audit_log_append_only_${op.toLowerCase()} BEFORE ${op} ON audit_log FOR EACH ROW BEGIN IF ${op === "DELETE" ? "COALESCE(@olg_audit_retention, '') <> 'on'" : "TRUE"} THEN SIGNAL SQLSTATE '42501' SET MESSAGE_TEXT = 'audit_log is append-only'; END IF; END`;

export const m012 = {
  name: "audit_append_only",
  up: `
ALTER TABLE audit_log MODIFY COLUMN outcome VARCHAR(32) NOT NULL;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS status INTEGER;
CREATE INDEX IF NOT EXISTS audit_log_org_id_idx ON audit_log (org_id, audit_id);
${refuse("UPDATE")};
${refuse("DELETE")};
`,
};

export const m013 = {
  name: "sso_sessions",
  up: `
CREATE TABLE IF NOT EXISTS sso_sessions (
  session_id VARCHAR(128) PRIMARY KEY,
  id_hash VARCHAR(128) NOT NULL UNIQUE,
  previous_id_hash VARCHAR(128),
  previous_valid_until DATETIME(6),
  csrf_token VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  user_id VARCHAR(255) NOT NULL,
  identity LONGTEXT NOT NULL,
  org_id VARCHAR(64) NOT NULL,
  role VARCHAR(64) NOT NULL,
  id_token LONGTEXT,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  rotated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  last_seen_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6)
);
CREATE INDEX IF NOT EXISTS sso_sessions_previous_idx ON sso_sessions (previous_id_hash);
CREATE INDEX IF NOT EXISTS sso_sessions_user_idx ON sso_sessions (user_id);
CREATE TABLE IF NOT EXISTS sso_login_requests (
  request_id VARCHAR(128) PRIMARY KEY,
  provider VARCHAR(255) NOT NULL,
  binding_hash VARCHAR(128) NOT NULL,
  code_verifier LONGTEXT,
  nonce LONGTEXT,
  return_to LONGTEXT,
  expires_at DATETIME(6) NOT NULL
);
CREATE TABLE IF NOT EXISTS sso_replay (
  replay_key VARCHAR(512) PRIMARY KEY,
  expires_at DATETIME(6) NOT NULL
);
`,
};
