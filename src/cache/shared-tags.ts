/**
 * Freshness tags of the in-process metadata cache (`local-cache.ts`), kept in a
 * `SharedArrayBuffer` so that the embedded default's two writers (the HTTP thread and the run
 * executor thread, `server/executor-thread.ts`) share them while each keeps its own entries.
 *
 * Layout (`Int32Array`, every access through `Atomics`):
 * - a generation (raised when a writer thread died: every tag changes),
 * - one epoch per namespace slot (`invalidateAll`), namespaces hashed onto {@link NS_SLOTS},
 * - one version per stripe (`invalidate`), (namespace, id) hashed onto {@link STRIPES},
 * - per writer slot (a thread), an in-flight count per namespace slot and per stripe.
 *
 * A writer raises the in-flight count of what it writes *before* the write can commit (before the
 * statement, or inside its transaction) and, once it committed or rolled back, raises the
 * versions and then lowers the count ({@link SharedTags.writing}). A reader takes a tag (version
 * and epoch) only while no writer of any thread has the stripe or namespace in flight, before its
 * database read, and keeps or serves an entry only while the tag is unchanged. So a value read
 * before a commit is never kept, and no thread serves an entry once another thread's write
 * committed, even if that thread has not yet run its post-commit invalidation (the window where
 * the HTTP thread hears of a run's end by NOTIFY before the executor thread's hook ran).
 *
 * Hash collisions only cost hits (a write to one id also drops its stripe's other ids). Counts are
 * per writer slot so a dead thread's counts can be dropped ({@link SharedTags.reset}): its writes
 * that were in flight may have committed, so the generation is raised too.
 */

/** Namespace slots (the cache has three namespaces). */
export const NS_SLOTS = 8;
/** Version stripes. */
export const STRIPES = 8192;
/** Writer slots: 0 the HTTP thread, 1 the run executor thread. */
export const WRITERS = 2;

const GEN = 0;
const EPOCHS = 1;
const VERSIONS = EPOCHS + NS_SLOTS;
const COUNTS = VERSIONS + STRIPES;
const PER_WRITER = NS_SLOTS + STRIPES;
const LENGTH = COUNTS + WRITERS * PER_WRITER;

/** FNV-1a over the UTF-16 code units of `s`, from `h`. */
function fnv(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The tags shared by the threads of one process; each thread writes through its own slot. */
export class SharedTags {
  readonly #a: Int32Array;
  readonly #own: number;

  /** A buffer for {@link SharedTags} (all zero). */
  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(LENGTH * 4);
  }

  /** Tags over `buffer` (default: a new one, unshared), writing as writer `slot`. */
  constructor(buffer: SharedArrayBuffer = SharedTags.buffer(), slot = 0) {
    if (buffer.byteLength !== LENGTH * 4) throw new Error("shared cache tags: unexpected buffer");
    if (!Number.isInteger(slot) || slot < 0 || slot >= WRITERS)
      throw new Error(`shared cache tags: writer slot ${slot} out of range`);
    this.#a = new Int32Array(buffer);
    this.#own = COUNTS + slot * PER_WRITER;
  }

  /**
   * The tag of (`ns`, `id`) now, or null while a write of it (or of all of `ns`) is in flight in
   * any thread: then nothing may be served or kept.
   */
  tag(ns: string, id: string): string | null {
    const n = fnv(ns) % NS_SLOTS;
    const s = fnv(id, fnv(ns)) % STRIPES;
    const a = this.#a;
    for (let w = 0; w < WRITERS; w++) {
      const base = COUNTS + w * PER_WRITER;
      if (Atomics.load(a, base + n) !== 0 || Atomics.load(a, base + NS_SLOTS + s) !== 0)
        return null;
    }
    return `${Atomics.load(a, GEN)}:${Atomics.load(a, EPOCHS + n)}:${Atomics.load(a, VERSIONS + s)}`;
  }

  /** Changes the tags of `ids` of `ns` (after their write committed). */
  bump(ns: string, ids: readonly string[]): void {
    const h = fnv(ns);
    for (const id of ids) Atomics.add(this.#a, VERSIONS + (fnv(id, h) % STRIPES), 1);
  }

  /** Changes the tag of every id of `ns`. */
  bumpAll(ns: string): void {
    Atomics.add(this.#a, EPOCHS + (fnv(ns) % NS_SLOTS), 1);
  }

  /**
   * Marks a write of `ids` of `ns` (or of all of `ns`) in flight from this thread; call the
   * returned function once it committed or rolled back (once; later calls do nothing): it changes
   * the tags (unless given `false`: the caller bumped what really changed), then lowers the count.
   */
  writing(ns: string, ids: readonly string[] | "all"): (bump?: boolean) => void {
    const a = this.#a;
    const h = fnv(ns);
    const slots =
      ids === "all"
        ? [this.#own + (h % NS_SLOTS)]
        : ids.map((id) => this.#own + NS_SLOTS + (fnv(id, h) % STRIPES));
    for (const i of slots) Atomics.add(a, i, 1);
    let open = true;
    return (bump = true) => {
      if (!open) return;
      open = false;
      if (bump && ids === "all") this.bumpAll(ns);
      else if (bump) this.bump(ns, ids as readonly string[]);
      for (const i of slots) Atomics.sub(a, i, 1);
    };
  }

  /**
   * Forgets writer `slot`'s writes in flight (its thread died): raises the generation first (those
   * writes may have committed), then zeroes its counts.
   */
  reset(slot: number): void {
    Atomics.add(this.#a, GEN, 1);
    const base = COUNTS + slot * PER_WRITER;
    for (let i = base; i < base + PER_WRITER; i++) Atomics.store(this.#a, i, 0);
  }

  /** Raises the generation: nothing kept before is served again (test-mode truncate, restarts). */
  bumpEverything(): void {
    Atomics.add(this.#a, GEN, 1);
  }
}
