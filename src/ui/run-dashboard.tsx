// Starts the full-screen dashboard on a terminal (alternate screen buffer) and resolves when the user
// quits; the caller then flushes and exits.
import React from 'react';
import { render } from 'ink';
import type { EngineControl } from '../engine/types.js';
import { Dashboard } from './Dashboard.js';

export interface DashboardOptions {
  /** display.refresh_rate: snapshot polls and redraws per second. */
  refreshHz: number;
  /** display.packet_history_size: packets shown in the feed at most. */
  historySize: number;
  /** Header title; default "NetGuard". */
  title?: string;
  /** Default process.stdin. */
  stdin?: NodeJS.ReadStream;
  /** Default process.stdout. */
  stdout?: NodeJS.WriteStream;
  /** Where `e` exports; default "capture.pcap" in the working directory. */
  exportPath?: string;
  /** Called when the user quits (q or Ctrl+C), before the screen is restored. */
  onQuit?: () => void;
}

/** xterm's alternate screen buffer (DECSET 1049): the dashboard leaves the shell's screen as it was. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/** Runs the dashboard until the user presses q (or Ctrl+C); resolves once the terminal is restored. */
export async function runDashboard(control: EngineControl, opts: DashboardOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  // Keys need raw mode, which only a terminal has; Ink would fail later with a stack trace.
  if (stdin.isTTY !== true) throw new Error('the dashboard needs a terminal on stdin to read its keys (use --batch for scripts)');
  const fullScreen = stdout.isTTY === true;
  let inAltScreen = false;
  const leave = (): void => {
    if (!inAltScreen) return;
    inAltScreen = false;
    stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };
  // If the process ends some other way (a signal, an uncaught error), the shell still gets its screen back.
  const onExit = (): void => leave();
  if (fullScreen) {
    stdout.write(ENTER_ALT_SCREEN);
    inAltScreen = true;
    process.once('exit', onExit);
  }
  const instance = render(
    <Dashboard
      control={control}
      refreshHz={opts.refreshHz}
      historySize={opts.historySize}
      title={opts.title}
      exportPath={opts.exportPath ?? 'capture.pcap'}
      onQuit={opts.onQuit}
    />,
    // Ctrl+C is a key like q here (the dashboard quits cleanly), not an abrupt exit. Stray console
    // output would tear the screen, so it is routed through Ink, when Ink owns the process's stdout.
    { stdout, stdin, exitOnCtrlC: false, patchConsole: stdout === process.stdout },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    leave();
    process.off('exit', onExit);
  }
}
