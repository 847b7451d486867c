/**
 * Readiness: whether this replica should receive traffic. Ready when every check passes (database
 * reachable, migrations applied, Redis when configured) and the process is not draining. A SIGTERM
 * marks the process draining first, so load balancers stop sending work before it stops.
 */

/** One dependency check; `false` or a throw means failing. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

/** The outcome of a readiness probe. */
export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: Record<string, "ok" | "failing">;
}

const within = <T>(ms: number, p: Promise<T>, fallback: T): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
};

/** Readiness state of the process. */
export class Readiness {
  #draining = false;

  constructor(
    private readonly checks: ReadinessCheck[],
    private readonly timeoutMs = 2000,
  ) {}

  /** Fail every later probe: the process is about to drain and stop. */
  markDraining(): void {
    this.#draining = true;
  }

  /** Whether `markDraining` was called. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Runs the checks in parallel, each bounded by the timeout. */
  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        const ok = await within(
          this.timeoutMs,
          c.check().catch(() => false),
          false,
        );
        return [c.name, ok ? "ok" : "failing"] as const;
      }),
    );
    const checks = Object.fromEntries(results);
    const ready = !this.#draining && results.every(([, v]) => v === "ok");
    return { ready, draining: this.#draining, checks };
  }
}
