/**
 * Why a run was cancelled (`runs.cancel(..., {reason: "taken"})` records `taken:<action>`): the
 * SDK's `cancel_reason`, selectable on run listings. Null for runs that were not cancelled so.
 */
export const name = "run_cancel_reason";

export const up = `
ALTER TABLE runs ADD COLUMN IF NOT EXISTS cancel_reason text;
`;
