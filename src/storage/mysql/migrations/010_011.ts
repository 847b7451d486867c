/**
 * MySQL/MariaDB twins of `../../migrations/010_tenancy.ts` and `011_store_org_key.ts`. `org_id`
 * defaults to the constant `default`: MySQL/MariaDB cannot default a column to a session setting,
 * and row-level security (the PostgreSQL tenancy session) does not exist there; tenancy on this
 * engine is the application-level org filter only (docs/databases.md).
 */
import { TENANT_TABLES } from "../../migrations/010_tenancy.ts";

const orgColumn = (table: string) => `
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS org_id VARCHAR(64) NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS ${table}_org_idx ON ${table} (org_id);`;

export const m010 = {
  name: "tenancy",
  up: `
CREATE TABLE IF NOT EXISTS organizations (
  org_id VARCHAR(64) PRIMARY KEY,
  name LONGTEXT NOT NULL,
  metadata JSON NOT NULL DEFAULT ('{}'),
  quotas JSON NOT NULL DEFAULT ('{}'),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
INSERT IGNORE INTO organizations (org_id, name) VALUES ('default', 'Default');
CREATE TABLE IF NOT EXISTS users (
  user_id VARCHAR(255) PRIMARY KEY,
  identity VARCHAR(512) NOT NULL UNIQUE,
  display_name LONGTEXT,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
);
CREATE TABLE IF NOT EXISTS memberships (
  org_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(255) NOT NULL,
  role VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (org_id, user_id),
  FOREIGN KEY (org_id) REFERENCES organizations (org_id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS api_keys (
  key_id VARCHAR(64) PRIMARY KEY,
  org_id VARCHAR(64) NOT NULL,
  name LONGTEXT NOT NULL,
  prefix VARCHAR(64) NOT NULL,
  key_hash VARCHAR(128) NOT NULL UNIQUE,
  role VARCHAR(64) NOT NULL,
  scopes JSON,
  quotas JSON NOT NULL DEFAULT ('{}'),
  created_by VARCHAR(255),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  expires_at DATETIME(6),
  last_used_at DATETIME(6),
  revoked_at DATETIME(6),
  FOREIGN KEY (org_id) REFERENCES organizations (org_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS api_keys_org_idx ON api_keys (org_id, created_at);
CREATE TABLE IF NOT EXISTS audit_log (
  audit_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  actor_kind VARCHAR(32) NOT NULL,
  actor_id VARCHAR(255) NOT NULL,
  method VARCHAR(16) NOT NULL,
  route VARCHAR(512) NOT NULL,
  resource VARCHAR(64),
  resource_id VARCHAR(255),
  action VARCHAR(64) NOT NULL,
  outcome INTEGER NOT NULL,
  ip VARCHAR(64),
  user_agent LONGTEXT
);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
${TENANT_TABLES.map(orgColumn).join("\n")}
`,
};

export const m011 = {
  name: "store_org_key",
  up: `
ALTER TABLE store_items DROP PRIMARY KEY, ADD PRIMARY KEY (org_id, prefix, "key");
CREATE INDEX IF NOT EXISTS store_items_prefix_key_idx ON store_items (prefix, "key");
`,
};
