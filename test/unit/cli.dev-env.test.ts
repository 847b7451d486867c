/**
 * Unit: the environment `olg dev` gives its server child (`devChildEnv`, src/cli/dev.ts): marked as
 * the child, glibc malloc limited to 2 arenas by default, and a user's own `MALLOC_ARENA_MAX` kept.
 */
import { describe, expect, it } from "vitest";
import { devChildEnv } from "../../src/cli/dev.ts";

describe("olg dev child environment", () => {
  it("marks the child and limits malloc arenas to 2", () => {
    const env = devChildEnv({ PATH: "/bin", OLG_DEV_CHILD: "0" });
    expect(env).toEqual({ PATH: "/bin", OLG_DEV_CHILD: "1", MALLOC_ARENA_MAX: "2" });
  });

  it("keeps the user's MALLOC_ARENA_MAX", () => {
    expect(devChildEnv({ MALLOC_ARENA_MAX: "8" }).MALLOC_ARENA_MAX).toBe("8");
  });
});
