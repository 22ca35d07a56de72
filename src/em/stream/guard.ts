/**
 * Cooperation of long async fits with their host: yields to the event loop (so that a page keeps
 * drawing and timers fire) and stops at once when an AbortSignal fires, even while waiting for a
 * source that does not answer.
 */
import {fail} from '../../../ops/util/args';

/** Longest stretch of work between two yields to the event loop inside a pass, in ms. */
const MAX_BUSY_MS = 20;

/** Whether `value` looks like an AbortSignal (duck-typed: Node and browsers have their own classes). */
function isAbortSignal(value: unknown): value is AbortSignal {
  const s = value as AbortSignal | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function'
  );
}

/** The abort signal and event-loop yields of one async call; call {@link dispose} at the end. */
export class AsyncGuard {
  private lastPause = Date.now();
  private readonly aborted: Promise<never> | null = null;
  private readonly onAbort: (() => void) | null = null;

  constructor(
    fn: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal === undefined) return;
    if (!isAbortSignal(signal))
      fail(fn, `options.signal must be an AbortSignal (e.g. new AbortController().signal), but got ${typeof signal}`);
    let reject: (reason: unknown) => void = () => {};
    this.aborted = new Promise<never>((_, r) => {
      reject = r;
    });
    // Never unhandled: it is only awaited through race().
    this.aborted.catch(() => {});
    this.onAbort = () => reject(this.reason());
    signal.addEventListener('abort', this.onAbort, {once: true});
  }

  private reason(): unknown {
    return this.signal!.reason ?? new Error('The operation was aborted');
  }

  /** Throws the signal's reason (an AbortError by default) when it has fired. */
  check(): void {
    if (this.signal?.aborted) throw this.reason();
  }

  /** Yields to the event loop (a macrotask: timers, input and drawing run), then {@link check}s. */
  async pause(): Promise<void> {
    this.check();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.lastPause = Date.now();
    this.check();
  }

  /** {@link pause}s when the work since the last pause took more than 20 ms; else only checks. */
  async maybePause(): Promise<void> {
    if (Date.now() - this.lastPause > MAX_BUSY_MS) await this.pause();
    else this.check();
  }

  /** `promise`, or a rejection with the abort reason as soon as the signal fires. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.aborted ? Promise.race([promise, this.aborted]) : promise;
  }

  /** Removes the abort listener. */
  dispose(): void {
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
  }
}
