// Screen layout: which panels fit a terminal of a given size, and how wide and tall each one is.
//
// The screen is a header line, rows of panels and a footer line. Very wide terminals (160+ columns):
//   Statistics | Alerts      /  Active connections | Top talkers  /  Live packet feed
// Others give the panels with long lines (alerts, connections, feed) the full width:
//   Statistics | Top talkers  /  Alerts  /  Active connections  /  Live packet feed
// Short terminals keep the alerts and the feed (and statistics when 120+ wide); tiny ones only the alerts.
// The drawing stays one line short of the terminal's height, so the terminal never scrolls and Ink
// never falls back to clearing the whole screen on every frame.

export type PanelId = 'stats' | 'alerts' | 'connections' | 'talkers' | 'feed';

export interface LayoutRow {
  height: number;
  panels: Array<{ id: PanelId; width: number }>;
}

export interface Layout {
  width: number;
  /** Lines drawn in all (terminal rows - 1). */
  height: number;
  /** Panel rows between the header and the footer, top to bottom. */
  rows: LayoutRow[];
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** One blank column between side-by-side panels. */
export const GAP = 1;

/** Columns from which alerts and connections sit side by side with statistics and talkers. */
export const WIDE = 160;

function split(width: number, a: PanelId, b: PanelId, frac: number): LayoutRow['panels'] {
  const wa = Math.floor((width - GAP) * frac);
  return [
    { id: a, width: wa },
    { id: b, width: width - GAP - wa },
  ];
}

/** Lays out a terminal of `columns` x `rows` (sizes below 40 x 12 are treated as that minimum). */
export function computeLayout(columns: number, rows: number): Layout {
  const width = Math.max(40, Math.floor(columns) || 80);
  const height = Math.max(11, (Math.floor(rows) || 24) - 1);
  const body = height - 2; // header and footer
  const full = (id: PanelId): LayoutRow['panels'] => [{ id, width }];

  if (body >= 20 && width >= WIDE) {
    // 160x40 gives 12 + 11 + 14; taller terminals grow the feed.
    const top = clamp(Math.round(body * 0.33), 8, 14);
    const mid = clamp(Math.round(body * 0.3), 7, 14);
    return {
      width,
      height,
      rows: [
        { height: top, panels: split(width, 'stats', 'alerts', 0.45) },
        { height: mid, panels: split(width, 'connections', 'talkers', 0.6) },
        { height: body - top - mid, panels: full('feed') },
      ],
    };
  }
  if (body >= 20) {
    // 80x24 gives 7 + 5 + 4 + 5; 120x40 gives 10 + 9 + 7 + 11.
    const top = clamp(Math.round(body * 0.33), 7, 10);
    const alerts = clamp(Math.round(body * 0.24), 5, 12);
    const conns = clamp(Math.round(body * 0.19), 4, 12);
    return {
      width,
      height,
      rows: [
        { height: top, panels: width >= 60 ? split(width, 'stats', 'talkers', 0.5) : full('stats') },
        { height: alerts, panels: full('alerts') },
        { height: conns, panels: full('connections') },
        { height: body - top - alerts - conns, panels: full('feed') },
      ],
    };
  }
  if (body >= 12) {
    const top = Math.max(6, Math.round(body * 0.5));
    return {
      width,
      height,
      rows: [
        { height: top, panels: width >= 120 ? split(width, 'stats', 'alerts', 0.4) : full('alerts') },
        { height: body - top, panels: full('feed') },
      ],
    };
  }
  return { width, height, rows: [{ height: body, panels: full('alerts') }] };
}
