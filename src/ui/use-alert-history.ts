// Hook: the alert history overlay's state (rows read from EngineControl.alertHistory, the search being
// typed, the severity floor and the scroll position) and the keys that change it.
import { useCallback, useRef, useState } from 'react';
import type { Key } from 'ink';
import type { Alert, Severity } from '../alert/types.js';
import type { EngineControl } from '../engine/types.js';

/** Alerts read per query: the newest this many (the store's query caps at 10,000). */
export const HISTORY_LIMIT = 1000;

/** Longest search text accepted. */
const MAX_SEARCH = 100;

/** The severity floors `s` cycles through (null: every severity). */
const FLOORS: ReadonlyArray<Severity | null> = [null, 'WARNING', 'HIGH', 'CRITICAL'];

export interface HistoryState {
  /** False when the engine has no history (history.enabled is off). */
  available: boolean;
  /** Newest first. */
  rows: Alert[];
  /** Why the last query failed (a locked or corrupt database), or null. */
  error: string | null;
  /** The search applied to `rows` ("" for none). */
  search: string;
  /** Lowest severity shown, or null for all. */
  severity: Severity | null;
  /** True while a search is being typed after `/`. */
  editing: boolean;
  /** The search text being typed. */
  draft: string;
  /** Index of the first row shown. */
  offset: number;
}

export type HistoryAction = 'close' | 'help' | null;

const INITIAL: HistoryState = { available: false, rows: [], error: null, search: '', severity: null, editing: false, draft: '', offset: 0 };

/** Where scrolling can go: the last page starts at rows - room. */
function clampOffset(offset: number, rows: number, room: number): number {
  return Math.max(0, Math.min(offset, rows - Math.max(1, room)));
}

export interface AlertHistoryView {
  state: HistoryState;
  /** Reads the newest alerts (no search, all severities) and shows them from the top. */
  open(): void;
  /** Handles one key while the overlay is open; `room` is the number of rows shown. */
  key(input: string, key: Key, room: number): HistoryAction;
  /** True while a search is typed (every printable key is text then, q included). */
  editing(): boolean;
}

export function useAlertHistory(control: EngineControl): AlertHistoryView {
  const [state, setState] = useState<HistoryState>(INITIAL);
  // Several keys may arrive in one read: each must see what the previous one did, so the state is
  // also kept in a ref and every change goes through it.
  const ref = useRef<HistoryState>(INITIAL);
  const set = useCallback((next: HistoryState) => {
    ref.current = next;
    setState(next);
  }, []);

  const load = useCallback(
    (search: string, severity: Severity | null): Pick<HistoryState, 'available' | 'rows' | 'error'> => {
      const query = control.alertHistory?.bind(control);
      if (!query) return { available: false, rows: [], error: null };
      try {
        const rows = query({ search: search || undefined, severity: severity ?? undefined, limit: HISTORY_LIMIT });
        return { available: true, rows, error: null };
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return { available: true, rows: [], error: msg.split('\n')[0] };
      }
    },
    [control],
  );

  const open = useCallback(() => {
    set({ ...INITIAL, ...load('', null) });
  }, [load, set]);

  const editing = useCallback(() => ref.current.editing, []);

  const key = useCallback(
    (input: string, k: Key, room: number): HistoryAction => {
      const s = ref.current;
      if (s.editing) {
        // Keys split from one read arrive as plain characters, so Enter and Backspace may come as \r and DEL.
        if (k.return || input === '\r' || input === '\n') {
          const search = s.draft.trim();
          set({ ...s, ...load(search, s.severity), search, draft: search, editing: false, offset: 0 });
        } else if (k.escape) {
          set({ ...s, editing: false, draft: s.search });
        } else if (k.backspace || k.delete || input === '\x7f' || input === '\b') {
          set({ ...s, draft: [...s.draft].slice(0, -1).join('') });
        } else if (k.ctrl && input === 'u') {
          set({ ...s, draft: '' });
        } else if (!k.ctrl && !k.meta && input && !/[\x00-\x1f\x7f-\x9f]/.test(input)) {
          set({ ...s, draft: [...(s.draft + input)].slice(0, MAX_SEARCH).join('') });
        }
        return null;
      }
      if (k.escape || input === 'h') return 'close';
      if (input === '?') return 'help';
      const page = Math.max(1, room);
      const scroll = (offset: number): void => {
        const o = clampOffset(offset, s.rows.length, page);
        if (o !== s.offset) set({ ...s, offset: o });
      };
      if (k.upArrow || input === 'k') scroll(s.offset - 1);
      else if (k.downArrow || input === 'j') scroll(s.offset + 1);
      else if (k.pageUp || input === 'b') scroll(s.offset - page);
      else if (k.pageDown || input === ' ') scroll(s.offset + page);
      else if (k.home || input === 'g') scroll(0);
      else if (k.end || input === 'G') scroll(s.rows.length);
      else if (input === '/') set({ ...s, editing: true, draft: s.search });
      else if (input === 'r') set({ ...s, ...load(s.search, s.severity), offset: 0 });
      else if (input === 's') {
        const severity = FLOORS[(FLOORS.indexOf(s.severity) + 1) % FLOORS.length];
        set({ ...s, ...load(s.search, severity), severity, offset: 0 });
      }
      return null;
    },
    [load, set],
  );

  return { state, open, key, editing };
}
