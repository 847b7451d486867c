/**
 * Authorization: finds the user's handler for `resource:action` in the official order
 * (`resource:action`, `resource`, `*:action`, `*`), calls it with the event value, and turns its
 * answer into a decision: allow, deny (403), or a filter that becomes the caller's scope. The
 * handler may change the value (e.g. stamp an owner into `metadata`); callers use the returned one.
 */
import { DomainError } from "../core/errors.ts";
import { fromAuthError } from "./errors.ts";
import type { AuthHandlers } from "./load.ts";
import { type AuthContext, type Scope, type ScopeFilter, toScope } from "./scope.ts";

/** The resources the official server emits events for, and ours (`artifacts`). */
export type AuthResource = "threads" | "assistants" | "crons" | "store" | "artifacts";

/** Actions per resource (`threads:create_run` covers every run creation). */
export type AuthAction =
  | "create"
  | "read"
  | "update"
  | "delete"
  | "search"
  | "create_run"
  | "put"
  | "get"
  | "list_namespaces";

/** The outcome of an allowed event: the scope to apply and the (possibly changed) value. */
export interface AuthDecision<V> {
  /** The handler's filter, checked and branded (`toScope`); absent when unrestricted. */
  filter?: Scope;
  value: V;
}

/** Authorizes one event for a caller. */
export type Authorize = <V>(
  ctx: AuthContext | undefined,
  resource: AuthResource,
  action: AuthAction,
  value: V,
) => Promise<AuthDecision<V>>;

/** The handler key that answers `resource:action`, in the official precedence; undefined if none. */
export function resolveHandlerKey(
  callbacks: Record<string, unknown> | undefined,
  resource: string,
  action: string,
): string | undefined {
  if (!callbacks) return undefined;
  return [`${resource}:${action}`, resource, `*:${action}`, "*"].find((k) => callbacks[k] != null);
}

/** The authorizer over the user's handlers; with none, everything is allowed unscoped. */
export function createAuthorizer(handlers: AuthHandlers | undefined): Authorize {
  return async function authorize(ctx, resource, action, value) {
    const callbacks = handlers?.callbacks;
    const key = resolveHandlerKey(callbacks, resource, action);
    // No handler, or a request that was not authenticated (public route, no `authenticate`).
    if (!key || !ctx) return { value };
    let result: unknown;
    try {
      result = await callbacks![key]!({
        event: `${resource}:${action}`,
        resource,
        action,
        value,
        permissions: ctx.permissions,
        user: ctx.user,
      });
    } catch (error) {
      throw fromAuthError(error);
    }
    if (result == null || result === true) return { value };
    // The official server denies with an empty 403 body.
    if (result === false) throw new DomainError("forbidden", "");
    if (typeof result !== "object" || Array.isArray(result)) {
      throw new Error(
        `Auth handler returned invalid result. Expected filter object, null, undefined or boolean. Got "${typeof result}" instead.`,
      );
    }
    let filter: Scope;
    try {
      filter = toScope(result as ScopeFilter);
    } catch (error) {
      // A filter too large or malformed to apply safely: refuse the request (fail closed) with a
      // 403 naming the rule broken, before anything is read or written.
      throw new DomainError("forbidden", (error as Error).message);
    }
    return { filter, value };
  };
}

/** An authorizer that allows everything (no auth module configured). */
export const allowAll: Authorize = async (_ctx, _resource, _action, value) => ({ value });

/** The scope of a decision (`undefined` = unrestricted). */
export const scopeOf = (decision: { filter?: Scope }): Scope => decision.filter;
