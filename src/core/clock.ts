/** Injected time source, so scheduling maths and tests never read the wall clock directly. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };
