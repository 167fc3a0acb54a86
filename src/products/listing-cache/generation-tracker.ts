import { Generation, parseGeneration } from './generation';

/** Reads the stored generations of `namespaces`, in order (null: none stored). */
export type GenerationReader = (namespaces: readonly string[]) => Promise<(string | null)[]>;

export interface GenerationTrackerOptions {
  /** How often every tracked generation is re-read. */
  readonly refreshMs: number;
  /** How long after a read was sent its value may be trusted without another one. */
  readonly maxAgeMs: number;
  /**
   * Called when the store went back: its generation is missing, or older than one this
   * process has already seen (Redis restarted empty, failed over to a replica that lacked
   * the last bumps, or evicted the key). The namespace is untrusted until a newer
   * generation arrives; the caller is expected to bump it.
   */
  readonly onReset?: (namespace: string) => void;
  readonly now?: () => number;
}

/** Taken before a read is sent, handed back with its answer. */
export interface ReadToken {
  readonly version: number;
  readonly sentAt: number;
}

interface State {
  current: Generation | null;
  /** The highest `n` ever seen for the namespace: nothing at or below it is adopted again. */
  highest: number;
  /** When the read that last confirmed `current` was sent. */
  confirmedAt: number;
  /** Bumped on every change of `current`. */
  version: number;
}

/**
 * The in-memory copy of each cache namespace's generation. It advances at once on a local
 * bump or a published one (`advance`), and is re-read from the store every `refreshMs`
 * as a safety net against lost messages. It is only trusted (`current`) within `maxAgeMs`
 * of the send time of the last read that confirmed it, so a bump that reaches this process
 * by no message is still seen within `maxAgeMs`, and a process that cannot read the store
 * stops trusting its copy after `maxAgeMs`.
 *
 * Generations only move forward: a value whose `n` is not above the highest one seen is
 * never adopted again, so entries cached under an old generation can never be served
 * again, whatever the store forgot.
 */
export class GenerationTracker {
  private readonly states = new Map<string, State>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly read: GenerationReader,
    private readonly options: GenerationTrackerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The generation of `namespace` when it was confirmed recently, else null (start
   * tracking it: the first read is sent at once).
   */
  current(namespace: string): string | null {
    const state = this.states.get(namespace);
    if (state === undefined) {
      this.track(namespace);
      return null;
    }
    if (state.current === null || this.now() - state.confirmedAt > this.options.maxAgeMs) {
      return null;
    }
    return state.current.value;
  }

  /** The lowest `n` a new generation of `namespace` may have (above every one seen). */
  floor(namespace: string): number {
    return this.stateOf(namespace).highest + 1;
  }

  /** Adopts `value` if it is newer (a local bump, or one announced by another process). */
  advance(namespace: string, value: string): void {
    const generation = parseGeneration(value);
    const state = this.stateOf(namespace);
    if (generation !== null && generation.n > state.highest) {
      this.adopt(state, generation);
    }
  }

  token(namespace: string): ReadToken {
    return { version: this.stateOf(namespace).version, sentAt: this.now() };
  }

  /**
   * Records a value read from the store by a read sent with `token`; true when it is the
   * generation this process now holds (entries under it may be served), false when it is
   * missing or older. An older value is a read overtaken by a newer bump, unless nothing
   * changed since it was sent: then the store itself went back, and `onReset` is called.
   */
  observe(namespace: string, raw: string | null, token: ReadToken): boolean {
    const state = this.stateOf(namespace);
    const generation = parseGeneration(raw);
    if (generation !== null && generation.value === state.current?.value) {
      state.confirmedAt = Math.max(state.confirmedAt, token.sentAt);
      return true;
    }
    if (generation !== null && generation.n > state.highest) {
      this.adopt(state, generation);
      state.confirmedAt = token.sentAt;
      return true;
    }
    if (token.version === state.version && state.current !== null) {
      state.current = null;
      state.version += 1;
      this.options.onReset?.(namespace);
    }
    return false;
  }

  /** Re-reads every tracked generation in one call; failures just let trust expire. */
  refresh(): Promise<void> {
    if (this.refreshing !== null) {
      return this.refreshing;
    }
    const namespaces = [...this.states.keys()];
    if (namespaces.length === 0 || this.stopped) {
      return Promise.resolve();
    }
    const tokens = namespaces.map((namespace) => this.token(namespace));
    this.refreshing = this.read(namespaces)
      .then(
        (values) => namespaces.forEach((ns, i) => this.observe(ns, values[i] ?? null, tokens[i])),
        () => undefined,
      )
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Starts the periodic re-read (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer === null && !this.stopped) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
      this.timer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private adopt(state: State, generation: Generation): void {
    state.current = generation;
    state.highest = generation.n;
    state.version += 1;
  }

  private track(namespace: string): void {
    this.stateOf(namespace);
    this.start();
    void this.refresh();
  }

  private stateOf(namespace: string): State {
    let state = this.states.get(namespace);
    if (state === undefined) {
      state = { current: null, highest: 0, confirmedAt: Number.NEGATIVE_INFINITY, version: 0 };
      this.states.set(namespace, state);
    }
    return state;
  }
}
