// A map bounded to a fixed number of entries in two generations, so a flood of distinct keys cannot grow detector memory.

/**
 * A map that never holds more than `cap` entries, in two generations: new keys go to the young map;
 * when it holds cap/2 the old generation is dropped (onEvict sees each entry) and the young becomes
 * old. Every operation is O(1) (amortised), unlike evicting a Map's first key one at a time, which V8
 * makes O(deleted entries) per call. Updating or touching a key in the old generation moves it to the
 * young one, so live entries survive a flood of new keys; a flood of more than cap/2 new keys between
 * two touches does push them out (bounded memory wins).
 */
export class BoundedMap<K, V> {
  /** Entries dropped because the map was full (a flood of distinct keys shows up here). */
  evicted = 0;
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;
  constructor(
    readonly cap: number,
    private readonly onEvict?: (v: V, k: K) => void,
  ) {
    this.half = Math.max(1, Math.floor(cap / 2));
    // The generations swap once here, as rotate() swaps them: V8 takes a field written only by the
    // constructor as constant, and the first rotate() anywhere in a run then changed the class's fields
    // and threw away every compiled function that used a BoundedMap (ten on the attack-heavy mix).
    this.old = this.young;
    this.young = new Map();
  }
  get size(): number {
    return this.young.size + this.old.size;
  }
  get(key: K): V | undefined {
    const v = this.young.get(key);
    return v !== undefined ? v : this.old.get(key);
  }
  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }
  set(key: K, value: V): this {
    if (this.young.has(key)) {
      this.young.set(key, value);
      return this;
    }
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.half) this.rotate();
    return this;
  }
  /** Marks an entry as recently used (moves it to the young generation). */
  touch(key: K, value: V): void {
    if (!this.young.has(key)) this.set(key, value);
  }
  delete(key: K): boolean {
    return this.young.delete(key) || this.old.delete(key);
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
  private rotate(): void {
    const dropped = this.old;
    this.evicted += dropped.size;
    const onEvict = this.onEvict;
    // forEach, in order as for-of, without a [key, value] array per entry (see sweepMap).
    if (onEvict) dropped.forEach((v, k) => onEvict(v, k));
    this.old = this.young;
    this.young = new Map();
  }
  *entries(): IterableIterator<[K, V]> {
    yield* this.old.entries();
    yield* this.young.entries();
  }
  *values(): IterableIterator<V> {
    yield* this.old.values();
    yield* this.young.values();
  }
  *keys(): IterableIterator<K> {
    yield* this.old.keys();
    yield* this.young.keys();
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
  /** Deletes every entry for which `stale` returns true. */
  sweep(stale: (v: V, k: K) => boolean): number {
    return sweepMap(this.old, stale) + sweepMap(this.young, stale);
  }
}

/**
 * Deletes the entries of `m` for which `stale` is true, visiting them in order as for-of does (deleting
 * the visited entry is allowed in both). forEach, not for-of: the iterator made a [key, value] array
 * per entry, about 2 bytes a packet over the detectors' once-a-second sweeps of full maps.
 */
function sweepMap<K, V>(m: Map<K, V>, stale: (v: V, k: K) => boolean): number {
  let n = 0;
  m.forEach((v, k) => {
    if (stale(v, k)) {
      m.delete(k);
      n++;
    }
  });
  return n;
}
