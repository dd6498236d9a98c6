// The three ways to run: batch (scripts), CLI (capture, analyse, then the menu) and the dashboard.
import { SourceError } from '../capture/types.js';
import { wire, runBatch, printWarnings, type Run } from './run.js';
import { EXIT_OUTPUTS_LOST, type CliOptions } from './args.js';

export async function runMain(opts: CliOptions): Promise<number> {
  if (opts.batch) return runBatch(opts);
  if (opts.tui) return runTui(opts);
  return runCli(opts);
}

/** After an interactive run: one line for what outputs that failed did not get, and the exit code that says so. */
function outputsExit(run: Run): number {
  const lost = run.failures.summary();
  if (lost) process.stderr.write(`netguard: not written: ${lost}\n`);
  return run.failures.anyLost ? EXIT_OUTPUTS_LOST : 0;
}

/** SIGTERM in an interactive mode: flush every sink and state file, then exit (143, as for a signal). */
function exitOnTerm(run: Run): void {
  process.once('SIGTERM', () => {
    run.source.stop();
    void run.close().finally(() => process.exit(143));
  });
}

/** CLI mode (the seed's default): capture -c packets or read a file, print a summary, open the menu. */
async function runCli(opts: CliOptions): Promise<number> {
  // The menu (its packet search, chalk, readline) is loaded only by this mode: batch and dashboard runs
  // do not pay its start-up time.
  const [{ menuBackend }, { MenuPackets, HELD_PACKETS_PIPE }, { runMenu }] = await Promise.all([import('./menu-from-run.js'), import('./menu-packets.js'), import('./menu/index.js')]);
  const run = await wire(opts, 'cli');
  exitOnTerm(run);
  printWarnings(run, true);
  const what = opts.read ? `Reading ${opts.read}` : `Capturing ${opts.count ?? 50} packets on ${run.source.name} (Ctrl-C to stop early)`;
  process.stderr.write(`${what}...\n`);
  const stop = (): void => run.source.stop();
  process.once('SIGINT', stop);
  // The menu searches every packet: a file is read back when asked; live packets (and a pipe's) are held up to -c.
  const file = opts.read !== undefined && opts.read !== '-' ? opts.read : null;
  const all = new MenuPackets({
    file,
    filter: file !== null ? (opts.filter ?? '') : '',
    hold: opts.count ?? (opts.read === '-' ? HELD_PACKETS_PIPE : 50),
    total: () => run.engine.packets,
  });
  await all.start();
  try {
    await run.pump(file === null ? (raw) => all.onPacket(raw, run.engine.packets) : undefined);
  } finally {
    process.off('SIGINT', stop);
  }
  printWarnings(run);
  process.on('SIGHUP', () => process.stderr.write(`netguard: ${run.engine.reloadRules().message}\n`));
  const isTTY = Boolean(process.stdin.isTTY);
  await runMenu(menuBackend(run, all), {
    input: process.stdin,
    output: process.stdout,
    isTTY,
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  });
  await run.close();
  return outputsExit(run);
}

/** Dashboard mode: the source runs while the Ink dashboard renders snapshots; q quits. */
async function runTui(opts: CliOptions): Promise<number> {
  if (!process.stdout.isTTY) throw new SourceError('--tui needs a terminal; use --batch for scripts', 'EOTHER');
  const run = await wire(opts, 'tui');
  exitOnTerm(run);
  // React's development build, which React picks whenever NODE_ENV is not 'production' (and a test runner
  // sets it to 'test' for every child), logs every commit to the Performance timeline with a deep copy of
  // the props: with the engine in the props that was seconds per commit once the flow tables filled, and a
  // hung-up dashboard took over ten seconds to unmount. The dashboard always runs React's production build.
  process.env.NODE_ENV = 'production';
  // Ink draws only the final frame when CI or CONTINUOUS_INTEGRATION is set (it then assumes a log, not
  // a screen). The dashboard runs only on a terminal, so it is interactive whatever those say; Ink reads
  // them once, when it is first imported, just below.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { runDashboard } = await import('../ui/index.js');
  process.on('SIGHUP', () => run.engine.reloadRules());
  let failure: unknown = null;
  const pumping = run.pump().catch((e: unknown) => {
    failure = e;
  });
  const title = 'NetGuard';
  const { hungUp } = await runDashboard(run.engine, {
    refreshHz: run.settings.display.refresh_rate,
    historySize: run.settings.display.packet_history_size,
    title,
    exportDir: run.logDir ?? undefined,
  });
  run.source.stop();
  await pumping;
  await run.close();
  printWarnings(run);
  if (failure) throw failure;
  if (hungUp) {
    // State and alerts are saved; now end as a program whose terminal hung up does, by SIGHUP. A normal
    // exit would have Node restore the terminal's modes on a terminal that no longer exists, which fails
    // an assertion inside Node (tcsetattr gives EIO) and aborts with a native stack trace.
    process.removeAllListeners('SIGHUP');
    process.kill(process.pid, 'SIGHUP');
  }
  return outputsExit(run);
}
