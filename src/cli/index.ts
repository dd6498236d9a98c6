// The command line's public surface: argument parsing, the run modes and the alert-history subcommand.
export { parseArgs, buildProgram, version, UsageError, type CliOptions } from './args.js';
export { runMain } from './modes.js';
export { wire, runBatch, type Run, type Mode } from './run.js';
export { menuBackend } from './menu-from-run.js';
