/**
 * The listing cache's change feed: a Redis stream per namespace (`{ns}:changes`, see
 * cache-layout.ts) to which a write appends, after its commit, what it changed in one
 * product (id, category, stock and price before and after). Every instance tails it and
 * drops from its in-process layer exactly the pages a change can affect; a page read from
 * Redis carries the feed position it was computed at and is served only when no change
 * after that position can affect it.
 *
 * Every entry records the id of the entry before it (`p`), so a tail that finds an entry
 * whose predecessor is not the last one it read (entries trimmed before it read them, the
 * stream lost in a Redis restart or failover), or a stream whose head went back, knows it
 * missed changes: it then drops every in-process page of the namespace and trusts only
 * pages computed from then on.
 */

/** A stock and/or price change of one existing product. */
export interface ProductChange {
  readonly id: number;
  readonly category: string;
  readonly before: ProductState;
  readonly after: ProductState;
}

export interface ProductState {
  /** Decimal string, e.g. "12.50". */
  readonly price: string;
  readonly stock: number;
}

/** Whether a change can alter a cached page. */
export type ChangeTest = (change: ProductChange) => boolean;

/** `[head, entries]`: the stream's last id ('0-0' when empty) and the entries after `after`. */
export type PollReply = [string, [string, string[]][]];

export type FeedPoller = (namespace: string, after: string, count: number) => Promise<PollReply>;

export interface ChangeFeedOptions {
  readonly pollMs: number;
  /** How long after a poll was sent its view may be trusted without another one. */
  readonly maxAgeMs: number;
  /** Entries kept in process (pages older than the oldest kept are recomputed). */
  readonly maxEntries: number;
  /** New changes of `namespace` were read: drop the in-process pages they affect. */
  readonly onChanges: (namespace: string, changes: readonly ProductChange[]) => void;
  /** Changes of `namespace` may have been missed: drop all its in-process pages. */
  readonly onGap: (namespace: string) => void;
  readonly now?: () => number;
}

const POLL_BATCH = 1000;

interface Entry {
  readonly id: StreamId;
  readonly change: ProductChange | null;
}

type StreamId = readonly [number, number];

interface State {
  /** Every entry after `start` up to `tail` is in `entries`; null until the first poll. */
  start: StreamId | null;
  tail: string;
  entries: Entry[];
  confirmedAt: number;
  /** Changes announced up to `pendingUntil` that the feed has not been read up to yet. */
  pending: ProductChange[];
  pendingUntil: StreamId | null;
}

export class ChangeFeed {
  private readonly states = new Map<string, State>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly poller: FeedPoller,
    private readonly options: ChangeFeedOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts tailing `namespace` (first poll at once). */
  track(namespace: string): void {
    if (!this.states.has(namespace)) {
      this.states.set(namespace, {
        start: null,
        tail: '',
        entries: [],
        confirmedAt: Number.NEGATIVE_INFINITY,
        pending: [],
        pendingUntil: null,
      });
      if (this.timer === null && !this.stopped) {
        this.timer = setInterval(() => void this.poll(), this.options.pollMs);
        this.timer.unref();
      }
      void this.poll();
    }
  }

  /**
   * Changes announced (pub/sub) as appended up to entry `last`: until a read of the feed
   * reaches `last`, pages are checked against them too. False when `namespace` is not
   * tracked here or the feed was already read past `last`.
   */
  announce(namespace: string, last: string, changes: readonly ProductChange[]): boolean {
    const state = this.states.get(namespace);
    const until = parseId(last);
    if (state === undefined || until === null) {
      return false;
    }
    const tail = parseId(state.tail);
    if (state.start !== null && tail !== null && compareIds(until, tail) <= 0) {
      return false;
    }
    state.pending.push(...changes);
    if (state.pendingUntil === null || compareIds(until, state.pendingUntil) > 0) {
      state.pendingUntil = until;
    }
    return true;
  }

  /** True when the feed of `namespace` was read completely within `maxAgeMs`. */
  fresh(namespace: string): boolean {
    const state = this.states.get(namespace);
    return state !== undefined && this.now() - state.confirmedAt <= this.options.maxAgeMs;
  }

  /**
   * Whether a page computed at feed position `position` is still current as far as this
   * instance knows: the stream has not moved since (`head`, read with the page), or the
   * feed is fresh, holds every entry after `position`, and none of them `affects` it.
   */
  unchangedSince(namespace: string, position: string, affects: ChangeTest, head?: string): boolean {
    if (head !== undefined && position === head) {
      return true;
    }
    const state = this.states.get(namespace);
    const at = parseId(position);
    if (
      state?.start === null ||
      state?.start === undefined ||
      at === null ||
      !this.fresh(namespace)
    ) {
      return false;
    }
    if (compareIds(at, state.start) < 0) {
      return false;
    }
    if (state.pending.some((change) => affects(change))) {
      return false;
    }
    for (let i = state.entries.length - 1; i >= 0; i -= 1) {
      const entry = state.entries[i];
      if (compareIds(entry.id, at) <= 0) {
        break;
      }
      if (entry.change === null || affects(entry.change)) {
        return false;
      }
    }
    return true;
  }

  /** Polls every tracked namespace, then once more if a poll was already running. */
  async catchUp(): Promise<void> {
    if (this.polling !== null) {
      await this.polling;
    }
    await this.poll();
  }

  /** Reads the new entries of every tracked namespace; failures let trust expire. */
  poll(): Promise<void> {
    if (this.polling !== null) {
      return this.polling;
    }
    const namespaces = [...this.states.keys()];
    if (namespaces.length === 0 || this.stopped) {
      return Promise.resolve();
    }
    this.polling = Promise.all(namespaces.map((namespace) => this.pollOne(namespace)))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => (this.polling = null));
    return this.polling;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async pollOne(namespace: string): Promise<void> {
    const state = this.states.get(namespace);
    if (state === undefined) {
      return;
    }
    for (let round = 0; round < 10; round += 1) {
      const sentAt = this.now();
      const [head, raw] = await this.poller(
        namespace,
        state.start === null ? '' : state.tail,
        POLL_BATCH,
      );
      const headId = parseId(head) ?? ([0, 0] as const);
      if (state.start === null) {
        this.restart(state, head, headId);
        state.confirmedAt = sentAt;
        return;
      }
      const tailId = parseId(state.tail) ?? ([0, 0] as const);
      if (
        compareIds(headId, tailId) < 0 ||
        (raw.length > 0 && field(raw[0][1], 'p') !== state.tail)
      ) {
        // The stream went back or lost entries this instance had not read.
        this.restart(state, head, headId);
        this.options.onGap(namespace);
        state.confirmedAt = sentAt;
        return;
      }
      const changes: ProductChange[] = [];
      for (const [id, fields] of raw) {
        const change = parseChange(field(fields, 'c'));
        state.entries.push({ id: parseId(id) ?? headId, change });
        state.tail = id;
        if (change !== null) {
          changes.push(change);
        }
      }
      if (raw.some(([, fields]) => parseChange(field(fields, 'c')) === null)) {
        this.options.onGap(namespace);
      } else if (changes.length > 0) {
        this.options.onChanges(namespace, changes);
      }
      this.trim(state);
      this.settlePending(state);
      if (raw.length < POLL_BATCH) {
        state.confirmedAt = sentAt;
        return;
      }
    }
  }

  /** Forgets the announced changes once the feed was read up to the last of them. */
  private settlePending(state: State): void {
    const tail = parseId(state.tail);
    if (state.pendingUntil !== null && tail !== null && compareIds(tail, state.pendingUntil) >= 0) {
      state.pending = [];
      state.pendingUntil = null;
    }
  }

  private restart(state: State, head: string, headId: StreamId): void {
    state.start = headId;
    state.tail = head;
    state.entries = [];
    this.settlePending(state);
  }

  private trim(state: State): void {
    const excess = state.entries.length - this.options.maxEntries;
    if (excess > 0) {
      state.start = state.entries[excess - 1].id;
      state.entries.splice(0, excess);
    }
  }
}

function field(fields: string[], name: string): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) {
      return fields[i + 1];
    }
  }
  return null;
}

function parseChange(raw: string | null): ProductChange | null {
  try {
    const value = JSON.parse(raw ?? 'null') as ProductChange | null;
    return value !== null && typeof value.id === 'number' && value.before && value.after
      ? value
      : null;
  } catch {
    return null;
  }
}

function parseId(id: string): StreamId | null {
  const match = /^(\d+)-(\d+)$/.exec(id);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

function compareIds(a: StreamId, b: StreamId): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}
