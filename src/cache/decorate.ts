/** Method overrides on top of an object (the rest delegates, bound to the original). */

/**
 * Returns a view of `target` whose listed methods are replaced; every other property is the
 * target's own (methods bound to it, so private fields keep working). New methods added to the
 * target's interface later pass through unchanged.
 */
export function decorate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<PropertyKey, unknown>)[prop];
      const value = Reflect.get(t, prop, receiver);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}
