/** Reads the stored generations of `namespaces`, in order (null: never bumped). */
export type GenerationReader = (namespaces: readonly string[]) => Promise<(string | null)[]>;

export interface GenerationTrackerOptions {
  /** How often every tracked generation is re-read. */
  readonly refreshMs: number;
  /** How long after a read was sent its value may be trusted without another one. */
  readonly maxAgeMs: number;
  /** Called when the store went back to a lower generation (data loss): numbers repeat. */
  readonly onReset?: (namespace: string) => void;
  readonly now?: () => number;
}

/** Taken before a read is sent, handed back with its answer. */
export interface ReadToken {
  readonly version: number;
  readonly sentAt: number;
}

interface State {
  value: number | null;
  /** When the read that last confirmed `value` was sent. */
  confirmedAt: number;
  /** Bumped on every change of `value`. */
  version: number;
}

/**
 * The in-memory copy of each cache namespace's generation. It advances at once on a local
 * bump or a published one (`advance`), and is re-read from the store every `refreshMs`
 * as a safety net against lost messages. It is only trusted (`current`) within `maxAgeMs`
 * of the send time of the last read that confirmed it, so a bump that reaches this process
 * by no message is still seen within `maxAgeMs`, and a process that cannot read the store
 * stops trusting its copy after `maxAgeMs`.
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
  current(namespace: string): number | null {
    const state = this.states.get(namespace);
    if (state === undefined) {
      this.track(namespace);
      return null;
    }
    if (state.value === null || this.now() - state.confirmedAt > this.options.maxAgeMs) {
      return null;
    }
    return state.value;
  }

  /** Adopts `value` if it is higher (a local bump, or one announced by another process). */
  advance(namespace: string, value: number): void {
    const state = this.stateOf(namespace);
    if (state.value === null || value > state.value) {
      state.value = value;
      state.version += 1;
    }
  }

  token(namespace: string): ReadToken {
    return { version: this.stateOf(namespace).version, sentAt: this.now() };
  }

  /**
   * Records a value read from the store by a read sent with `token`. A lower value than
   * the one held is a read overtaken by a newer bump, unless nothing changed since it was
   * sent: then the store itself went back (e.g. restarted empty), and that is adopted.
   */
  observe(namespace: string, raw: string | null, token: ReadToken): void {
    const value = raw === null ? 0 : Number(raw);
    if (!Number.isSafeInteger(value)) {
      return;
    }
    const state = this.stateOf(namespace);
    if (state.value === null || value > state.value) {
      state.value = value;
      state.version += 1;
      state.confirmedAt = token.sentAt;
    } else if (value === state.value) {
      state.confirmedAt = Math.max(state.confirmedAt, token.sentAt);
    } else if (token.version === state.version) {
      state.value = value;
      state.version += 1;
      state.confirmedAt = token.sentAt;
      this.options.onReset?.(namespace);
    }
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

  private track(namespace: string): void {
    this.stateOf(namespace);
    this.start();
    void this.refresh();
  }

  private stateOf(namespace: string): State {
    let state = this.states.get(namespace);
    if (state === undefined) {
      state = { value: null, confirmedAt: Number.NEGATIVE_INFINITY, version: 0 };
      this.states.set(namespace, state);
    }
    return state;
  }
}
