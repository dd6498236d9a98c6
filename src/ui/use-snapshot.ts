// Hook: polls the engine's snapshot at the refresh rate; while paused it stops polling, so the
// display freezes on the last snapshot while capture and detection go on.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineControl, Snapshot } from '../engine/types.js';

export interface SnapshotState {
  snapshot: Snapshot | null;
  /** Message of the last failed snapshot() call, or null. */
  error: string | null;
  /** Takes a snapshot now (also while paused, for views such as the rules list that must be current). */
  refresh: () => Snapshot | null;
  /** Replaces the shown snapshot (e.g. to drop cleared alerts from a frozen display). */
  replace: (s: Snapshot) => void;
}

export function useSnapshot(control: EngineControl, refreshHz: number, paused: boolean): SnapshotState {
  const take = (): { snapshot: Snapshot | null; error: string | null } => {
    try {
      return { snapshot: control.snapshot(), error: null };
    } catch (e) {
      return { snapshot: null, error: (e as Error).message };
    }
  };
  const [state, setState] = useState(take);

  const refresh = useCallback((): Snapshot | null => {
    const next = take();
    // Keep the last good snapshot on screen when one call fails.
    // An unchanged snapshot (the engine may hand out the same object between publishes) redraws nothing.
    setState((prev) =>
      next.snapshot === prev.snapshot && next.error === prev.error ? prev : { snapshot: next.snapshot ?? prev.snapshot, error: next.error },
    );
    return next.snapshot;
  }, [control]);

  // The timer is cleared in an effect, which React may run a moment after the paused frame is drawn;
  // a tick in that moment must not take a snapshot, or the frozen display would change once more.
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  const replace = useCallback((s: Snapshot) => setState((prev) => ({ ...prev, snapshot: s })), []);

  useEffect(() => {
    if (paused) return undefined;
    refresh();
    const hz = Number.isFinite(refreshHz) && refreshHz > 0 ? Math.min(refreshHz, 60) : 4;
    const timer = setInterval(() => {
      if (!pausedRef.current) refresh();
    }, Math.round(1000 / hz));
    return () => clearInterval(timer);
  }, [paused, refreshHz, refresh]);

  return { snapshot: state.snapshot, error: state.error, refresh, replace };
}
