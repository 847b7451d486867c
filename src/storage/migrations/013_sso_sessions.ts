/**
 * Browser sign-in (issue 20): server-side sessions of the admin UI, pending sign-ins (OIDC state /
 * SAML AuthnRequest ids, single use) and consumed SAML assertion ids (replay protection). Global
 * tables (not tenant rows): a session names its org itself. Plain DDL (text, timestamptz, one
 * index each) so the other engines' migrations can port it column for column.
 *
 * - `sso_sessions`: `id_hash` is the sha256 of the cookie's random id (the id itself is never
 *   stored); `previous_id_hash` is the id before the last rotation, accepted until
 *   `previous_valid_until` so requests already in flight survive a rotation.
 * - `sso_login_requests`: one row per started sign-in, deleted when its callback uses it.
 * - `sso_replay`: assertion ids seen, kept until the assertion would have expired anyway.
 */
export const name = "sso_sessions";

export const up = `
CREATE TABLE IF NOT EXISTS sso_sessions (
  session_id text PRIMARY KEY,
  id_hash text NOT NULL UNIQUE,
  previous_id_hash text,
  previous_valid_until timestamptz,
  csrf_token text NOT NULL,
  provider text NOT NULL,
  user_id text NOT NULL,
  identity text NOT NULL,
  org_id text NOT NULL,
  role text NOT NULL,
  id_token text,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS sso_sessions_previous_idx ON sso_sessions (previous_id_hash);
CREATE INDEX IF NOT EXISTS sso_sessions_user_idx ON sso_sessions (user_id);
CREATE TABLE IF NOT EXISTS sso_login_requests (
  request_id text PRIMARY KEY,
  provider text NOT NULL,
  binding_hash text NOT NULL,
  code_verifier text,
  nonce text,
  return_to text,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS sso_replay (
  replay_key text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
`;
