/** Failures a test or benchmark queues, for either simulator to answer as its vendor does. */

/** Holds the answer back; the answer itself is the usual one. */
export interface SlowFault {
  kind: 'slow';
  delayMs: number;
}

interface QueuedFault<F> {
  fault: F;
  left: number;
  path?: RegExp;
}

export class FaultQueue<F> {
  private queued: QueuedFault<F>[] = [];

  get length(): number {
    return this.queued.length;
  }

  push(fault: F, times: number, path?: RegExp): void {
    this.queued.push({ fault, left: times, path });
  }

  clear(): void {
    this.queued = [];
  }

  /** The first fault queued for `path`, used up after as many requests as it was queued for. */
  take(path: string): F | undefined {
    const i = this.queued.findIndex((f) => !f.path || f.path.test(path));
    if (i < 0) return undefined;
    const f = this.queued[i]!;
    f.left -= 1;
    if (f.left <= 0) this.queued.splice(i, 1);
    return f.fault;
  }
}
