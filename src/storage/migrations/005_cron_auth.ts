/**
 * The caller who created a cron (custom auth: the normalised user and its permissions), so its
 * runs execute as that user (`langgraph_auth_user` in their config), as the platform does.
 */
export const name = "cron_auth";

export const up = `
ALTER TABLE crons ADD COLUMN IF NOT EXISTS auth jsonb;
`;
