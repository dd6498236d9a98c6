// Rendering helpers for dashboard tests: a sized fake terminal, waiting for frames, stripping ANSI.
import React from 'react';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach } from 'vitest';
import type { EngineControl } from '../../src/engine/types.js';
import { Dashboard, type DashboardProps } from '../../src/ui/index.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Rendered {
  frame(): string;
  /** The frame without colour codes. */
  text(): string;
  press(keys: string): Promise<void>;
  until(pred: (text: string) => boolean, what: string, ms?: number): Promise<string>;
  resize(columns: number, rows: number): Promise<void>;
  unmount(): void;
}

/** Renders the dashboard on a fake terminal of the given size. */
export async function renderDashboard(props: DashboardProps, size = { columns: 120, rows: 40 }): Promise<Rendered> {
  const r = render(<Dashboard {...props} />);
  const frame = (): string => r.lastFrame() ?? '';
  const text = (): string => stripAnsi(frame());
  const until = async (pred: (t: string) => boolean, what: string, ms = 3000): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const t = text();
      if (pred(t)) return t;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${t}`);
      await sleep(10);
    }
  };
  const resize = async (columns: number, rows: number): Promise<void> => {
    Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
    Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
    r.stdout.emit('resize');
    // The header spans the full width, so its first line has exactly `columns` characters.
    await until((t) => [...(t.split('\n')[0] ?? '')].length === columns, `a ${columns}-column frame`);
  };
  await resize(size.columns, size.rows);
  return {
    frame,
    text,
    until,
    resize,
    press: async (keys: string) => {
      r.stdin.write(keys);
      await sleep(30);
    },
    unmount: () => r.unmount(),
  };
}

/** Draws the dashboard for `control` with the tests' refresh rate and history size, `extra` over them. */
export type Show = (control: EngineControl, size?: { columns: number; rows: number }, extra?: Partial<DashboardProps>) => Promise<Rendered>;

/**
 * For the test file (or describe block) that calls it: colours off in each test, so frames compare as
 * plain text, and the level restored after; the dashboard drawn by the returned `show` unmounted after
 * each test, also when one fails.
 */
export function dashboardTests(): Show {
  let view: Rendered | null = null;
  const savedLevel = chalk.level;
  beforeEach(() => {
    chalk.level = 0;
  });
  afterEach(() => {
    view?.unmount();
    view = null;
    chalk.level = savedLevel;
  });
  return async (control, size = { columns: 120, rows: 40 }, extra = {}) => {
    view = await renderDashboard({ control, refreshHz: 20, historySize: 100, ...extra }, size);
    return view;
  };
}
