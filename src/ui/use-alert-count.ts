// Hook: counts alerts the engine raises while the display is paused, so the header can say that
// something happened behind the frozen view.
import { useEffect, useRef, useState } from 'react';
import type { EngineControl } from '../engine/types.js';

export function useNewAlertsWhilePaused(control: EngineControl, paused: boolean): number {
  const [count, setCount] = useState(0);
  // Subscribed for the whole life of the view, and the pause state read through a ref updated at
  // render, so an alert raised just after the pause is drawn is not lost to a late subscription.
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => control.onAlert(() => {
    if (pausedRef.current) setCount((c) => c + 1);
  }), [control]);
  useEffect(() => {
    if (!paused) setCount(0);
  }, [paused]);
  return paused ? count : 0;
}
