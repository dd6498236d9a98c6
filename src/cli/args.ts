// Command-line options (commander): the seed's flags (--tui, -i, -c) plus file reading, batch mode and outputs.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../config/shipped-files.js';

export interface CliOptions {
  tui: boolean;
  interface?: string;
  count?: number;
  read?: string;
  write?: string;
  filter?: string;
  batch: boolean;
  dumpPackets: boolean;
  realtime: boolean;
  settings?: string;
  rules?: string;
  web?: string | boolean;
  block: boolean;
  dryRun: boolean;
  /** -l: the directory the files NetGuard writes go to (relative output paths of the settings resolve against it). */
  logDir?: string;
  /** With -r: load and save the reputation state file (live capture always does). */
  reputationState: boolean;
  /** Write EVE JSON to this file (turns outputs.eve on; Suricata's `-l`/eve-log file). */
  eve?: string;
  debug: boolean;
}

/** Exit code of a run that went to its end but could not write some output (each named on stderr when it failed). */
export const EXIT_OUTPUTS_LOST = 3;

/** Bad usage: exit code 2 with one line. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** The version in NetGuard's package.json. */
export function version(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  try {
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function positiveInt(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} takes a whole number of at least 1 (got "${v}")`);
    return Number(v);
  };
}

const EXAMPLES = `
Modes:
  CLI (default)  capture -c packets (or read -r FILE), analyse, then the 24-option menu
  --tui          the live terminal dashboard
  --batch        no interaction: alerts as JSON lines on stdout, a summary line on stderr
  alerts         query the alert history (netguard alerts --help)
  console        one place for many sensors: EVE records from Redis into the history (netguard console --help)

Outputs (settings.yaml; see README.md):
  alerts.json    every alert as a JSON line (alerts.log_file), in every mode
  alerts.log     the same alerts as text lines (alerts.text_log)
  EVE JSON       Suricata-style alert, dns, http, flow and stats records: --eve FILE, or outputs.eve
  syslog         RFC 5424 messages to a collector over UDP or TCP: outputs.syslog
  history        every alert in SQLite (history.db_file, netguard.db), queried by netguard alerts and the web page
  desktop        notifications (alerts.enable_notifications); web page with --web

Examples:
  sudo netguard -i eth0 -c 100                 capture 100 packets, then the menu
  sudo netguard --tui -i eth0                  live dashboard
  netguard --tui -r capture.pcap --realtime    replay a capture at its recorded pace
  netguard -r capture.pcap                     analyse a file, then the menu
  printf '11\\n19\\n21\\n' | netguard -r capture.pcap   scripted menu
  netguard --batch -r capture.pcapng > alerts.jsonl
  netguard --batch --dump-packets -r capture.pcap | jq .
  sudo tcpdump -i eth0 -w - | netguard --batch -r -
  sudo netguard --batch -i eth0 -f "tcp port 80" -w web.pcap
  netguard --batch -r capture.pcap --eve eve.json && jq 'select(.event_type=="alert")' eve.json

Exit codes: 0 success, 1 runtime failure (file, interface, permission), 2 bad usage or configuration,
  3 the run finished but an output could not be written (each named on stderr; the summary counts what it lost).`;

export function buildProgram(): Command {
  const program = new Command('netguard')
    .description('NetGuard: real-time network intrusion detection (live capture or pcap/pcapng files)')
    .version(version(), '-V, --version')
    .option('--tui', 'launch the terminal dashboard', false)
    .option('-i, --interface <name>', 'interface to capture on ("any" for all; default: settings interface.default, then the first up interface)')
    .option('-c, --count <n>', 'packets to capture (CLI mode default 50; batch and dashboard: unlimited)', positiveInt('-c/--count'))
    .option('-r, --read <file>', 'read a pcap or pcapng file instead of capturing ("-" for stdin)')
    .option('-w, --write <file>', 'also write every packet to this pcap file')
    .option('-f, --filter <bpf>', 'BPF filter in tcpdump syntax, e.g. "tcp port 80" (live capture, or a file with -r)')
    .option('--batch', 'process without interaction: alerts as JSON lines on stdout, summary on stderr', false)
    .option('--dump-packets', 'with --batch: also write every decoded packet as a JSON line', false)
    .option('--realtime', 'with -r: replay at the capture\'s recorded pace', false)
    .option('-l, --log-dir <dir>', 'write every output file (alerts.json, alerts.log, eve.json, netguard.db, reputation state, exports) in this directory, created if missing; relative paths in the settings resolve against it (default: the working directory)')
    .option('--settings <file>', 'settings file', './settings.yaml')
    .option('--rules <file>', 'custom rules file', './rules.yaml')
    .addOption(new Option('--web [host:port]', 'serve the web dashboard (default 127.0.0.1:8080)'))
    .option('--block', 'active response: block high-confidence attackers with nftables/iptables', false)
    .option('--dry-run', 'with --block: log what would be blocked, change nothing', false)
    .option('--eve <file>', 'also write Suricata-style EVE JSON (alerts, dns, http, flow, stats) to this file (turns outputs.eve on)')
    .option('--reputation-state', 'with -r: load and save ip_reputation.state_file as live capture does (off for files, so a capture gives the same output every time)', false)
    .option('--debug', 'show stack traces for errors', false)
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride();
  return program;
}

/** Parses argv; throws UsageError for bad usage; returns null when commander already handled --help/--version. */
export function parseArgs(argv: string[]): CliOptions | null {
  const program = buildProgram();
  program.configureOutput({ writeErr: () => undefined });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return null;
      throw new UsageError(e.message.replace(/^error: /, ''));
    }
    throw e;
  }
  const o = program.opts<CliOptions>();
  if (o.dumpPackets && !o.batch) throw new UsageError('--dump-packets needs --batch');
  if (o.realtime && !o.read) throw new UsageError('--realtime needs -r FILE');
  if (o.read && o.interface) throw new UsageError('use either -r FILE or -i IFACE, not both');
  if (o.tui && o.batch) throw new UsageError('use either --tui or --batch, not both');
  if (o.dryRun && !o.block) throw new UsageError('--dry-run goes with --block');
  if (o.reputationState && !o.read) throw new UsageError('--reputation-state goes with -r FILE (live capture always keeps the state)');
  return o;
}
