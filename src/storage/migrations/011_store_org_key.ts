/**
 * Store keys are per organization (issue 19): the primary key of `store_items` becomes
 * `(org_id, prefix, key)`, so two orgs can hold the same namespace and key (under row-level
 * security the old key made the second org's put collide with a row it cannot see). A plain
 * `(prefix, key)` index keeps the lookups that do not name the org as fast as before.
 * Rebuilding the key locks the table while it runs (once, at upgrade).
 */
export const name = "store_org_key";

const ORG_DEFAULT = `coalesce(nullif(current_setting('app.org_id', true), ''), 'default')`;

/** The vector table (created when a store index is configured) follows its items' key. */
const VECTORS = [
  "ALTER TABLE store_vectors DROP CONSTRAINT IF EXISTS store_vectors_prefix_key_fkey",
  "ALTER TABLE store_vectors DROP CONSTRAINT IF EXISTS store_vectors_pkey",
  "ALTER TABLE store_vectors ADD COLUMN IF NOT EXISTS org_id text NOT NULL DEFAULT 'default'",
  `ALTER TABLE store_vectors ALTER COLUMN org_id SET DEFAULT ${ORG_DEFAULT}`,
  "ALTER TABLE store_vectors ADD PRIMARY KEY (org_id, prefix, key, field_name)",
  "ALTER TABLE store_vectors ADD FOREIGN KEY (org_id, prefix, key) REFERENCES store_items (org_id, prefix, key) ON DELETE CASCADE",
];

export const up = `
ALTER TABLE IF EXISTS store_vectors DROP CONSTRAINT IF EXISTS store_vectors_prefix_key_fkey;
ALTER TABLE store_items DROP CONSTRAINT IF EXISTS store_items_pkey;
ALTER TABLE store_items ADD PRIMARY KEY (org_id, prefix, key);
CREATE INDEX IF NOT EXISTS store_items_prefix_key_idx ON store_items (prefix, key);
DO $$ BEGIN IF to_regclass('store_vectors') IS NOT NULL THEN ${VECTORS.map((v) => `EXECUTE '${v.replaceAll("'", "''")}'`).join("; ")}; END IF; END $$;
`;
