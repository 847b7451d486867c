/**
 * Who is signed in (`GET /admin/me`: `{identity, role, permissions}`, see
 * src/http/routes/admin-me.ts) and what the UI offers them: a viewer sees no edit actions (the
 * server refuses edits anyway; this only keeps the UI honest). `<Editing>` renders its children
 * only for callers who may edit.
 */
import { createContext, type ReactNode, useContext } from "react";
import { apiFetch } from "./client.ts";

export type Role = "admin" | "developer" | "viewer" | "api_user";

/** The caller as the server reports them. */
export interface Me {
  identity: string;
  role: Role;
  permissions: string[];
}

/** Asks the server who the current key belongs to (throws `HttpError`, e.g. 401). */
export async function fetchMe(): Promise<Me> {
  return (await (await apiFetch("/admin/me")).json()) as Me;
}

/** Viewers may not edit; every other role may try (the server decides per request). */
export function mayEdit(me: Me | null): boolean {
  return me != null && me.role !== "viewer";
}

/** Whether the caller may read the server's logs (as the log feed checks). */
export function mayReadLogs(me: Me | null): boolean {
  return me != null && (me.role === "admin" || me.permissions.includes("admin:logs"));
}

export const MeContext = createContext<Me | null>(null);

/** The signed-in caller (null before the check). */
export function useMe(): Me | null {
  return useContext(MeContext);
}

/** Children only when the caller may edit. */
export function Editing({ children }: { children: ReactNode }) {
  return mayEdit(useMe()) ? children : null;
}
