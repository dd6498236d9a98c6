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
  /** The directory relative export paths resolve against (-l/--log-dir); default the working directory. */
  exportDir?: string;
  /** Called when the user quits (q or Ctrl+C), before the screen is restored. */
  onQuit?: () => void;
}

/** xterm's alternate screen buffer (DECSET 1049): the dashboard leaves the shell's screen as it was. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/**
 * Runs the dashboard until the user presses q (or Ctrl+C), or the terminal goes away; resolves once the
 * terminal is restored, with whether it went away (`hungUp`).
 */
export async function runDashboard(control: EngineControl, opts: DashboardOptions): Promise<{ hungUp: boolean }> {
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
  let quit = false;
  const onQuit = (): void => {
    if (quit) return;
    quit = true;
    opts.onQuit?.();
  };
  const instance = render(
    <Dashboard
      control={control}
      refreshHz={opts.refreshHz}
      historySize={opts.historySize}
      title={opts.title}
      exportPath={opts.exportPath ?? 'capture.pcap'}
      exportDir={opts.exportDir}
      onQuit={onQuit}
    />,
    // Ctrl+C is a key like q here (the dashboard quits cleanly), not an abrupt exit. Stray console
    // output would tear the screen, so it is routed through Ink, when Ink owns the process's stdout.
    { stdout, stdin, exitOnCtrlC: false, patchConsole: stdout === process.stdout },
  );
  // A terminal that goes away (window closed, ssh dropped, tmux killed: SIGHUP, end of input, or
  // write errors) ends the dashboard as q does, so the caller still flushes and exits instead of
  // running on without a screen.
  let gone = false;
  const hangup = (): void => {
    if (quit) return;
    gone = true;
    onQuit();
    inAltScreen = false; // nothing to restore on a terminal that is gone
    instance.unmount();
  };
  const onOutputError = (): void => hangup();
  process.on('SIGHUP', hangup);
  stdin.on('end', hangup);
  stdout.on('error', onOutputError);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('SIGHUP', hangup);
    stdin.off('end', hangup);
    instance.cleanup();
    leave();
    process.off('exit', onExit);
    // On a terminal that is gone, later writes fail too: they must not crash the flush that follows.
    if (!gone) stdout.off('error', onOutputError);
  }
  return { hungUp: gone };
}
