interface Slot<V> {
  readonly value: V;
  readonly bytes: number;
  readonly expiresAt: number;
}

/**
 * An in-process LRU bounded by the total size its entries declare, with a per-entry
 * expiry. A Map keeps insertion order, so re-inserting on access makes its first key the
 * least recently used one.
 */
export class ByteLru<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** The value under `key` unless absent or expired at `now` (ms since the epoch). */
  get(key: string, now: number): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      return undefined;
    }
    if (slot.expiresAt <= now) {
      this.remove(key, slot);
      return undefined;
    }
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot.value;
  }

  /**
   * Stores `value`, declaring it `bytes` large, until `expiresAt`, evicting the least
   * recently used entries to stay within `maxBytes`. A value larger than the bound alone
   * is not stored.
   */
  set(key: string, value: V, bytes: number, expiresAt: number): void {
    const previous = this.slots.get(key);
    if (previous !== undefined) {
      this.remove(key, previous);
    }
    if (bytes > this.maxBytes) {
      return;
    }
    this.slots.set(key, { value, bytes, expiresAt });
    this.total += bytes;
    for (const [oldest, slot] of this.slots) {
      if (this.total <= this.maxBytes) {
        break;
      }
      this.remove(oldest, slot);
    }
  }

  /** Drops every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const [key, slot] of this.slots) {
      if (key.startsWith(prefix)) {
        this.remove(key, slot);
      }
    }
  }

  clear(): void {
    this.slots.clear();
    this.total = 0;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Sum of the declared sizes of the entries held. */
  get bytes(): number {
    return this.total;
  }

  private remove(key: string, slot: Slot<V>): void {
    this.slots.delete(key);
    this.total -= slot.bytes;
  }
}
