import { useCallback, useEffect, useRef, useState } from 'react';
import { type InsightFailure, classifyFailure, fetchInsight } from '../../insight/api';
import type { SprintHealthInsight } from '../../insight/types';

export type InsightState =
  | { kind: 'unselected' }
  | { kind: 'loading' }
  | { kind: 'data'; insight: SprintHealthInsight; reloading: boolean }
  | { kind: 'failed'; failure: InsightFailure };

/**
 * Asks for the insight whenever the selection or `reloadKey` (the dashboard's refresh) changes.
 * `refresh()` asks the API to write the insight anew from the latest facts (`refresh=true`).
 */
export function useInsight(selection: { team?: string; sprint?: string }, reloadKey: number) {
  const { team, sprint } = selection;
  const [state, setState] = useState<InsightState>({ kind: 'loading' });
  const [nonce, setNonce] = useState(0);
  // A ref, not state: only the request that the button started regenerates; later reloads must not.
  const forceRefresh = useRef(false);

  useEffect(() => {
    const refresh = forceRefresh.current;
    forceRefresh.current = false;
    if (!team && !sprint) {
      setState({ kind: 'unselected' });
      return;
    }
    // Keep what is on screen while a newer insight loads, so a wall screen does not flicker.
    setState((prev) => (prev.kind === 'data' ? { ...prev, reloading: true } : { kind: 'loading' }));
    const subscription = fetchInsight({ team, sprint, refresh }).subscribe({
      next: (insight) => setState({ kind: 'data', insight, reloading: false }),
      error: (err) => setState({ kind: 'failed', failure: classifyFailure(err) }),
    });
    // Unsubscribing cancels the request in Grafana's backendSrv, so a stale answer never lands.
    return () => subscription.unsubscribe();
  }, [team, sprint, reloadKey, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const refresh = useCallback(() => {
    forceRefresh.current = true;
    setNonce((n) => n + 1);
  }, []);

  return { state, reload, refresh };
}
