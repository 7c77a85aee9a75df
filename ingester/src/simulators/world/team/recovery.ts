import type { RemediationKind } from '../types.js';
import type { Failure } from './state.js';

/**
 * One piece of a failure's evidence put right at `at`. With several pieces (`restores`),
 * service is restored when the last is; with one, then.
 */
export function restore(failure: Failure, kind: RemediationKind, at: number): void {
  if (!failure.restores) {
    failure.restoredAt = at;
    return;
  }
  failure.restores[kind] = at;
  const times = Object.values(failure.restores);
  failure.restoredAt = times.every((t) => typeof t === 'number') ? Math.max(...(times as number[])) : null;
}
