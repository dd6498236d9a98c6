// Moving around the panels: Tab chooses the panel the arrows and `o` act on (alerts, connections,
// talkers); in connections and talkers ↑/↓ scroll and `o` changes the order; `/` types a display filter
// (src/rules/display-filter.ts) for the packet feed and the connections, Enter applies, Esc cancels.
import { useRef, useState } from 'react';
import type { Key } from 'ink';
import type { ConnectionView, TalkerView } from '../engine/types.js';
import { DisplayFilterError, parseDisplayFilter, type DisplayFilter } from '../rules/display-filter.js';
import type { StatusMessage } from './Footer.js';

export type FocusPanel = 'alerts' | 'connections' | 'talkers';
const FOCUS: FocusPanel[] = ['alerts', 'connections', 'talkers'];
export type ConnOrder = 'recent' | 'packets' | 'bytes' | 'age';
const CONN_ORDERS: ConnOrder[] = ['recent', 'packets', 'bytes', 'age'];
export type TalkerOrder = 'volume' | 'address';

export function orderConnections(c: readonly ConnectionView[], o: ConnOrder): ConnectionView[] {
  const out = c.slice();
  if (o === 'packets') out.sort((a, b) => b.packets - a.packets);
  else if (o === 'bytes') out.sort((a, b) => b.bytes - a.bytes);
  else if (o === 'age') out.sort((a, b) => a.start - b.start);
  return out;
}

export function orderTalkers(t: readonly TalkerView[], o: TalkerOrder): TalkerView[] {
  return o === 'address' ? t.slice().sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true })) : t.slice();
}

export interface PanelNav {
  focus: FocusPanel;
  connOffset: number;
  connOrder: ConnOrder;
  talkerOffset: number;
  talkerOrder: TalkerOrder;
  /** The applied display filter's text ('' for none) and predicate. */
  filterText: string;
  filter: DisplayFilter;
  /** The filter being typed after `/`, or null. */
  draft: string | null;
  /** Keys; true when used. `typing` keys go to the draft. */
  key(input: string, key: Key): boolean;
}

export function usePanelNav(setMessage: (m: StatusMessage | null) => void): PanelNav {
  const [, redraw] = useState(0);
  const s = useRef({
    focus: 'alerts' as FocusPanel,
    connOffset: 0,
    connOrder: 'recent' as ConnOrder,
    talkerOffset: 0,
    talkerOrder: 'volume' as TalkerOrder,
    filterText: '',
    filter: (() => true) as DisplayFilter,
    draft: null as string | null,
  });
  const set = (patch: Partial<typeof s.current>): void => {
    Object.assign(s.current, patch);
    redraw((n) => n + 1);
  };

  const key = (input: string, k: Key): boolean => {
    const st = s.current;
    if (st.draft !== null) {
      if (k.escape) {
        set({ draft: null });
        setMessage(null);
      } else if (k.return) {
        const text = st.draft.trim();
        try {
          const f = parseDisplayFilter(text);
          set({ filter: f, filterText: text, draft: null, connOffset: 0 });
          setMessage(text ? { text: `Display filter: ${text}  (/ changes it; / then Enter on an empty line clears it)`, kind: 'info' } : { text: 'Display filter cleared', kind: 'ok' });
        } catch (e) {
          if (!(e instanceof DisplayFilterError)) throw e;
          // Stay in the prompt: the error says where, the text stays to be fixed.
          setMessage({ text: `Filter error at col ${e.column}: ${e.message}`, kind: 'error' });
        }
      } else if (k.backspace || k.delete) {
        set({ draft: st.draft.slice(0, -1) });
      } else if (input && !k.ctrl && !k.meta && !input.includes('\x1b')) {
        set({ draft: (st.draft + input).slice(0, 500) });
      }
      return true;
    }
    if (input === '/') {
      set({ draft: st.filterText });
      return true;
    }
    if (k.tab) {
      set({ focus: FOCUS[(FOCUS.indexOf(st.focus) + (k.shift ? FOCUS.length - 1 : 1)) % FOCUS.length] });
      return true;
    }
    if (st.focus === 'connections') {
      if (k.downArrow) set({ connOffset: st.connOffset + 1 });
      else if (k.upArrow) set({ connOffset: Math.max(0, st.connOffset - 1) });
      else if (input === 'o') set({ connOrder: CONN_ORDERS[(CONN_ORDERS.indexOf(st.connOrder) + 1) % CONN_ORDERS.length], connOffset: 0 });
      else return false;
      return true;
    }
    if (st.focus === 'talkers') {
      if (k.downArrow) set({ talkerOffset: st.talkerOffset + 1 });
      else if (k.upArrow) set({ talkerOffset: Math.max(0, st.talkerOffset - 1) });
      else if (input === 'o') set({ talkerOrder: st.talkerOrder === 'volume' ? 'address' : 'volume', talkerOffset: 0 });
      else return false;
      return true;
    }
    return false;
  };

  // Getters, so that several keys arriving in one read each see the state the previous one left.
  const cur = s.current;
  return {
    get focus() { return cur.focus; },
    get connOffset() { return cur.connOffset; },
    get connOrder() { return cur.connOrder; },
    get talkerOffset() { return cur.talkerOffset; },
    get talkerOrder() { return cur.talkerOrder; },
    get filterText() { return cur.filterText; },
    get filter() { return cur.filter; },
    get draft() { return cur.draft; },
    key,
  };
}
