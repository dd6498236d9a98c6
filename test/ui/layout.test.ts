// The layout: every size gets panels that fit exactly, and the five panels are all there from 80x24 up.
import { describe, expect, it } from 'vitest';
import { computeLayout, GAP, type PanelId } from '../../src/ui/layout.js';

const ids = (l: ReturnType<typeof computeLayout>): PanelId[] => l.rows.flatMap((r) => r.panels.map((p) => p.id));

describe('computeLayout', () => {
  it('fills the height (minus one line) and never exceeds the width, for many sizes', () => {
    for (let cols = 40; cols <= 240; cols += 7) {
      for (let rows = 12; rows <= 80; rows += 5) {
        const l = computeLayout(cols, rows);
        expect(l.height).toBe(rows - 1);
        expect(l.rows.reduce((s, r) => s + r.height, 0) + 2).toBe(l.height);
        for (const r of l.rows) {
          expect(r.height).toBeGreaterThanOrEqual(2);
          expect(r.panels.reduce((s, p) => s + p.width, 0) + GAP * (r.panels.length - 1)).toBe(l.width);
        }
      }
    }
  });

  it('shows all five panels at 80x24, with alerts, connections and feed at full width', () => {
    const l = computeLayout(80, 24);
    expect(ids(l).sort()).toEqual(['alerts', 'connections', 'feed', 'stats', 'talkers']);
    for (const id of ['alerts', 'connections', 'feed'] as const) {
      expect(l.rows.find((r) => r.panels.some((p) => p.id === id))!.panels).toEqual([{ id, width: 80 }]);
    }
  });

  it('puts statistics beside alerts from 160 columns', () => {
    expect(computeLayout(160, 40).rows[0].panels.map((p) => p.id)).toEqual(['stats', 'alerts']);
    expect(computeLayout(159, 40).rows[0].panels.map((p) => p.id)).toEqual(['stats', 'talkers']);
  });

  it('keeps alerts and the feed on short terminals, and alerts alone on tiny ones', () => {
    expect(ids(computeLayout(80, 16))).toEqual(['alerts', 'feed']);
    expect(ids(computeLayout(130, 16))).toEqual(['stats', 'alerts', 'feed']);
    expect(ids(computeLayout(80, 12))).toEqual(['alerts']);
  });
});
