#!/usr/bin/env node
// NetGuard's entry point: parses the command line, runs the chosen mode, and turns failures into one line and an exit code.
import { parseArgs, UsageError } from './cli/args.js';

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  // A --debug stack names src/*.ts lines, also from the bundle bin/netguard runs (its maps lead back
  // through tsc's); only then, since Node reads the map of every module loaded after this.
  if (debug) process.setSourceMapsEnabled(true);
  // `netguard alerts ...` queries the SQLite history (src/cli/alerts-command.ts prints its own errors).
  if (argv[0] === 'alerts') return (await import('./cli/alerts-command.js')).runAlertsCommand(argv.slice(1));
  // `netguard console --redis redis://HOST:PORT/KEY` stores every sensor's EVE records (src/cli/console-command.ts).
  if (argv[0] === 'console') return (await import('./cli/console-command.js')).runConsoleCommand(argv.slice(1));
  try {
    const opts = parseArgs(argv);
    if (!opts) return 0;
    // Loaded once the command line is valid, at this one place: the modes bring the capture, detection
    // and output stack (over 200 modules, zod and yaml among them), which --help, --version and a usage
    // error do not need (--version took 0.55 s of CPU with it loaded, 0.18 s without).
    const { runMain } = await import('./cli/modes.js');
    return await runMain(opts);
  } catch (e) {
    const err = e as Error & { exitCode?: number; code?: string };
    const code = typeof err.exitCode === 'number' ? err.exitCode : err instanceof UsageError ? 2 : 1;
    const msg = err.message || String(e);
    process.stderr.write(`netguard: ${msg}${code === 2 && err instanceof UsageError ? ' (see netguard --help)' : ''}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return code;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Live capture handles and timers must not keep a finished run alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (e: unknown) => {
    process.stderr.write(`netguard: ${String(e)}\n`);
    process.exit(1);
  },
);
