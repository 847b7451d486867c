/** Preloaded into every bench server (with --expose-gc): SIGUSR2 runs a full garbage collection. */
process.on("SIGUSR2", () => globalThis.gc?.());
