/** Authorization: the official handler precedence, allow/deny/filter, value changes, errors. */

import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { describe, expect, it } from "vitest";
import { createAuthorizer, resolveHandlerKey } from "../../src/auth/authorize.ts";
import { AuthRejection } from "../../src/auth/errors.ts";
import type { AuthCallback } from "../../src/auth/load.ts";
import type { AuthContext } from "../../src/auth/scope.ts";
import { DomainError } from "../../src/core/errors.ts";

const ctx: AuthContext = {
  user: { identity: "u1", permissions: ["p"], display_name: "U", is_authenticated: true },
  permissions: ["p"],
};

const fromAuth = (auth: Auth) => createAuthorizer(auth["~handlerCache"] as never);

describe("resolveHandlerKey", () => {
  const all = { "threads:read": 1, threads: 1, "*:read": 1, "*": 1 };
  it.each([
    [all, "threads:read"],
    [{ threads: 1, "*:read": 1, "*": 1 }, "threads"],
    [{ "*:read": 1, "*": 1 }, "*:read"],
    [{ "*": 1 }, "*"],
    [{ "assistants:read": 1, "threads:create": 1 }, undefined],
  ])("%o -> %s", (callbacks, expected) => {
    expect(resolveHandlerKey(callbacks, "threads", "read")).toBe(expected);
  });
});

describe("createAuthorizer", () => {
  it("allows everything without handlers or without an authenticated caller", async () => {
    const value = { a: 1 };
    expect(await createAuthorizer(undefined)(ctx, "threads", "read", value)).toEqual({ value });
    const deny: AuthCallback = () => false;
    const authorize = createAuthorizer({ callbacks: { "*": deny } });
    expect(await authorize(undefined, "threads", "read", value)).toEqual({ value });
  });

  it("passes event, resource, action, value, permissions and user", async () => {
    const seen: unknown[] = [];
    const auth = new Auth().on("threads:create_run", (args) => {
      seen.push(args);
    });
    await fromAuth(auth)(ctx, "threads", "create_run", { thread_id: "t" });
    expect(seen).toEqual([
      {
        event: "threads:create_run",
        resource: "threads",
        action: "create_run",
        value: { thread_id: "t" },
        permissions: ["p"],
        user: ctx.user,
      },
    ]);
  });

  it("returns the filter, and the value as the handler changed it", async () => {
    const auth = new Auth().on("threads", ({ value, user }) => {
      const v = value as { metadata?: Record<string, unknown> };
      v.metadata ??= {};
      v.metadata.owner = user.identity;
      return { owner: user.identity };
    });
    const result = await fromAuth(auth)(ctx, "threads", "create", { metadata: undefined });
    expect(result).toEqual({ filter: { owner: "u1" }, value: { metadata: { owner: "u1" } } });
  });

  it("allows on true/undefined/null, denies with an empty 403 on false", async () => {
    for (const answer of [true, undefined, null]) {
      const r = await createAuthorizer({ callbacks: { "*": () => answer } })(
        ctx,
        "store",
        "get",
        1,
      );
      expect(r).toEqual({ value: 1 });
    }
    const denied = createAuthorizer({ callbacks: { "*": () => false } })(ctx, "store", "get", 1);
    await expect(denied).rejects.toEqual(new DomainError("forbidden", ""));
  });

  it("converts an SDK HTTPException, keeps other errors, rejects invalid results", async () => {
    const auth = new Auth()
      .on("threads:read", () => {
        throw new HTTPException(403, { message: "Not authorized", headers: { "x-a": "b" } });
      })
      .on("threads:delete", () => {
        throw new TypeError("bug");
      })
      .on("threads:update", (() => "nope") as never);
    const authorize = fromAuth(auth);
    const rejection = await authorize(ctx, "threads", "read", {}).catch((e) => e);
    expect(rejection).toBeInstanceOf(AuthRejection);
    expect(rejection).toMatchObject({
      status: 403,
      message: "Not authorized",
      headers: { "x-a": "b" },
    });
    await expect(authorize(ctx, "threads", "delete", {})).rejects.toThrow(TypeError);
    await expect(authorize(ctx, "threads", "update", {})).rejects.toThrow(
      'Auth handler returned invalid result. Expected filter object, null, undefined or boolean. Got "string" instead.',
    );
  });
});
