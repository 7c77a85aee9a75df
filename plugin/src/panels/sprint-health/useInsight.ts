import { useCallback, useEffect, useRef, useState } from 'react';
import { type InsightFailure, classifyFailure, fetchInsight } from '../../insight/api';
import type { SprintHealthInsight } from '../../insight/types';

export type InsightState =
  | { kind: 'unselected' }
  | { kind: 'loading' }
  | { kind: 'data'; insight: SprintHealthInsight; reloading: boolean }
  | { kind: 'failed'; failure: InsightFailure };

type Outcome = { kind: 'data'; insight: SprintHealthInsight } | { kind: 'failed'; failure: InsightFailure };

/**
 * Asks for the insight whenever the selection or `reloadKey` (the dashboard's refresh) changes, and
 * every `reloadEveryMs` (0: never). `refresh()` asks the API to write the insight anew from the
 * latest facts (`refresh=true`).
 */
export function useInsight(selection: { team?: string; sprint?: string }, reloadKey: number, reloadEveryMs = 0) {
  const { team, sprint } = selection;
  const [nonce, setNonce] = useState(0);
  const [result, setResult] = useState<{ selection: string; request: string; outcome: Outcome }>();
  // A ref, not state: only the request that the button started regenerates; later reloads must not.
  const forceRefresh = useRef(false);

  const selected = Boolean(team || sprint);
  const selectionKey = JSON.stringify([team, sprint]);
  const requestKey = JSON.stringify([team, sprint, reloadKey, nonce]);

  useEffect(() => {
    const refresh = forceRefresh.current;
    forceRefresh.current = false;
    if (!selected) {
      return;
    }
    const done = (outcome: Outcome) => setResult({ selection: selectionKey, request: requestKey, outcome });
    const subscription = fetchInsight({ team, sprint, refresh }).subscribe({
      next: (insight) => done({ kind: 'data', insight }),
      error: (err) => done({ kind: 'failed', failure: classifyFailure(err) }),
    });
    // Unsubscribing cancels the request in Grafana's backendSrv, so a stale answer never lands.
    return () => subscription.unsubscribe();
  }, [selected, team, sprint, selectionKey, requestKey]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    if (!selected || !(reloadEveryMs > 0)) {
      return;
    }
    const id = setInterval(reload, reloadEveryMs);
    return () => clearInterval(id);
  }, [selected, reloadEveryMs, reload]);
  const refresh = useCallback(() => {
    forceRefresh.current = true;
    setNonce((n) => n + 1);
  }, []);

  let state: InsightState;
  if (!selected) {
    state = { kind: 'unselected' };
  } else if (result?.request === requestKey) {
    state = result.outcome.kind === 'data' ? { ...result.outcome, reloading: false } : result.outcome;
  } else if (result?.selection === selectionKey && result.outcome.kind === 'data') {
    // Keep the sprint on screen while a newer insight loads, so a wall screen does not flicker.
    state = { kind: 'data', insight: result.outcome.insight, reloading: true };
  } else {
    state = { kind: 'loading' };
  }
  return { state, reload, refresh };
}
