// The `netguard alerts` subcommand: questions to the SQLite alert history, answered as an aligned table,
// JSON lines (--json), or counts by type, source and day (--summary).
import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { ALERT_TYPES, SEVERITIES, type Alert, type Severity } from '../alert/types.js';
import { loadSettings, ConfigError, inLogDir } from '../config/index.js';
import { escapeText } from '../decode/addr.js';
import { AlertHistory, HistoryError, MAX_LIMIT, parseTimeArg, type HistoryQuery, type HistorySummary } from '../history/index.js';
import { writeAlertPcap } from './alert-pcap.js';

interface AlertsOptions {
  ip?: string;
  since?: string;
  until?: string;
  type?: string;
  severity?: string;
  limit?: string;
  search?: string;
  sensor?: string;
  db?: string;
  settings?: string;
  logDir?: string;
  json: boolean;
  summary: boolean;
  pcap?: string;
  output?: string;
}

class AlertsUsage extends Error {}

const EXAMPLES = `
Times: durations back from now (30d, 12h, 15m, 45s, 2w) or ISO dates/times in UTC (2026-11-01,
2026-11-01T08:30:00Z); --until with a date includes that whole day. --severity HIGH shows HIGH and CRITICAL.

Examples:
  netguard alerts --ip 203.0.113.9 --since 30d     everything from or to one address in 30 days
  netguard alerts --type SYN_SCAN --severity HIGH  high-severity SYN scans
  netguard alerts --since 2026-10-01 --until 2026-10-31 --limit 500
  netguard alerts --search passwd --json | jq .    JSON lines, one alert each
  netguard alerts --summary --since 7d             counts by type, source and day
  netguard alerts --sensor dmz-1 --since 1d        one sensor's alerts in a console's history
  netguard alerts --pcap 1700000000000-3 -o a.pcap one alert's packets, for tshark or Wireshark

Exit codes: 0 success, 1 no database or unreadable database, 2 bad usage.`;

function program(): Command {
  return new Command('netguard alerts')
    .description('Query the alert history (SQLite, settings history.db_file)')
    .option('--ip <addr>', 'alerts from or to this address')
    .option('--since <time>', 'alerts at or after this time (30d, 12h, 15m or an ISO date)')
    .option('--until <time>', 'alerts before this time (a duration back from now or an ISO date)')
    .option('--type <type>', `alert type (${ALERT_TYPES.slice(0, 4).join(', ')}, ...)`)
    .option('--severity <level>', 'lowest severity shown: LOW, WARNING, HIGH, CRITICAL')
    .option('--search <text>', 'text in the message, type, addresses or details')
    .option('--sensor <name>', 'alerts of this sensor only (the EVE host name; see netguard console)')
    .option('--limit <n>', `most alerts shown, newest first (default 50, at most ${MAX_LIMIT})`)
    .option('--db <file>', 'history database (default: history.db_file from the settings, ./netguard.db)')
    .option('-l, --log-dir <dir>', 'the directory a run wrote its files in (netguard -l DIR): history.db_file resolves against it')
    .option('--settings <file>', 'settings file', './settings.yaml')
    .option('--json', 'JSON lines, one alert per line', false)
    .option('--summary', 'counts by type, source and day instead of alerts', false)
    .option('--pcap <id>', "write this alert's packets as a pcap file (with -o FILE)")
    .option('-o, --output <file>', 'the pcap file --pcap writes')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride();
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (/^[0-9a-fA-F:.]+$/.test(s) && s.includes(':'));
}

/** Turns the options into a history query; throws AlertsUsage with one clear line. */
export function buildQuery(o: Omit<AlertsOptions, 'db' | 'settings' | 'json' | 'summary'>, now: number): HistoryQuery {
  const q: HistoryQuery = {};
  if (o.ip !== undefined) {
    if (!isIp(o.ip)) throw new AlertsUsage(`--ip takes an IPv4 or IPv6 address (got "${o.ip}")`);
    q.ip = o.ip.toLowerCase();
  }
  if (o.type !== undefined) {
    const t = o.type.toUpperCase();
    if (!(ALERT_TYPES as readonly string[]).includes(t)) {
      const near = ALERT_TYPES.filter((k) => k.includes(t) || t.includes(k.split('_')[0]));
      throw new AlertsUsage(`unknown alert type "${o.type}"${near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : ''}; types: ${ALERT_TYPES.join(', ')}`);
    }
    q.type = t;
  }
  if (o.severity !== undefined) {
    const s = o.severity.toUpperCase();
    if (!(SEVERITIES as readonly string[]).includes(s)) throw new AlertsUsage(`--severity takes one of ${SEVERITIES.join(', ')} (got "${o.severity}")`);
    q.severity = s as Severity;
  }
  if (o.since !== undefined) {
    const t = parseTimeArg(o.since, now);
    if (t === null) throw new AlertsUsage(`--since takes a duration (30d, 12h, 15m, 45s) or an ISO date such as 2026-11-01 (got "${o.since}")`);
    q.since = t;
  }
  if (o.until !== undefined) {
    const t = parseTimeArg(o.until, now, true);
    if (t === null) throw new AlertsUsage(`--until takes a duration (30d, 12h, 15m, 45s) or an ISO date such as 2026-11-01 (got "${o.until}")`);
    q.until = t;
  }
  if (q.since !== undefined && q.until !== undefined && q.since >= q.until) {
    throw new AlertsUsage(`--since (${new Date(q.since).toISOString()}) is not before --until (${new Date(q.until).toISOString()})`);
  }
  if (o.limit !== undefined) {
    if (!/^\d+$/.test(o.limit) || Number(o.limit) < 1 || Number(o.limit) > MAX_LIMIT) throw new AlertsUsage(`--limit takes a whole number from 1 to ${MAX_LIMIT} (got "${o.limit}")`);
    q.limit = Number(o.limit);
  } else {
    q.limit = 50;
  }
  if (o.search !== undefined && o.search !== '') q.search = o.search;
  if (o.sensor !== undefined) {
    if (o.sensor === '' || o.sensor.length > 255) throw new AlertsUsage(`--sensor takes a sensor name (got "${o.sensor}")`);
    q.sensor = o.sensor;
  }
  return q;
}

function shortTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function endpoint(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '-';
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Rows of cells as aligned columns (the last column is not padded). */
export function alignTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('  ')).join('\n');
}

/** Alerts as an aligned table; every field that came from the wire goes through escapeText. */
export function alertsTable(alerts: Alert[]): string {
  // The SENSOR column appears when the alerts name their sensors (a console's history, or a named sensor).
  const sensors = alerts.some((a) => a.sensor);
  const rows = [[...(sensors ? ['SENSOR'] : []), 'TIME', 'SEVERITY', 'TYPE', 'SOURCE', 'DESTINATION', 'COUNT', 'MESSAGE']];
  for (const a of alerts) {
    rows.push([
      ...(sensors ? [escapeText(a.sensor || '-')] : []),
      shortTime(a.timestamp),
      a.severity,
      a.type,
      escapeText(endpoint(a.src_ip, a.src_port)),
      escapeText(endpoint(a.dst_ip, a.dst_port)),
      String(a.count),
      escapeText(a.message),
    ]);
  }
  return alignTable(rows);
}

export function summaryText(s: HistorySummary): string {
  const block = (title: string, head: string, rows: { key: string; count: number }[]): string =>
    `${title}\n` + (rows.length ? alignTable([[head, 'ALERTS'], ...rows.map((r) => [escapeText(r.key), String(r.count)])]) : '(none)');
  return [
    `${s.total} alert${s.total === 1 ? '' : 's'}`,
    block('By type', 'TYPE', s.byType),
    block('By source', 'SOURCE', s.bySource),
    block('By day (UTC)', 'DAY', s.byDay),
  ].join('\n\n');
}

function dbPath(o: AlertsOptions): string {
  if (o.db) return o.db;
  const explicit = o.settings !== undefined && o.settings !== './settings.yaml';
  if (explicit && !existsSync(o.settings!)) throw new ConfigError(`${o.settings}: settings file not found`);
  const loaded = loadSettings(o.settings && existsSync(o.settings) ? o.settings : null);
  return inLogDir(o.logDir, loaded.settings.history.db_file || './netguard.db');
}

/** Runs `netguard alerts ARGS` (argv without "alerts"); returns the exit code. */
export async function runAlertsCommand(
  argv: string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; now?: number } = {},
): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  const prog = program();
  prog.configureOutput({ writeOut: (s) => out.write(s), writeErr: () => undefined });
  try {
    prog.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 0;
      err.write(`netguard alerts: ${e.message.replace(/^error: /, '')} (see netguard alerts --help)\n`);
      return 2;
    }
    throw e;
  }
  if (prog.args.length > 0) {
    err.write(`netguard alerts: unexpected argument "${prog.args[0]}" (see netguard alerts --help)\n`);
    return 2;
  }
  const o = prog.opts<AlertsOptions>();
  if (o.pcap !== undefined || o.output !== undefined) {
    if (o.pcap === undefined || o.output === undefined) {
      err.write(`netguard alerts: --pcap ID and -o FILE go together (see netguard alerts --help)\n`);
      return 2;
    }
    let file: string;
    try {
      file = dbPath(o);
    } catch (e) {
      if (e instanceof ConfigError) {
        err.write(`netguard alerts: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    return writeAlertPcap(file, o.pcap, o.output, out, err);
  }
  let q: HistoryQuery;
  let file: string;
  try {
    q = buildQuery(o, io.now ?? Date.now());
    file = dbPath(o);
  } catch (e) {
    if (e instanceof AlertsUsage || e instanceof ConfigError) {
      err.write(`netguard alerts: ${(e as Error).message}${e instanceof AlertsUsage ? ' (see netguard alerts --help)' : ''}\n`);
      return 2;
    }
    throw e;
  }
  let h: AlertHistory;
  try {
    h = AlertHistory.openForQuery(file);
  } catch (e) {
    if (e instanceof HistoryError) {
      err.write(`netguard alerts: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    if (o.summary) {
      const s = h.summary(q);
      out.write(o.json ? JSON.stringify(s) + '\n' : summaryText(s) + '\n');
    } else {
      const alerts = h.query(q);
      if (o.json) {
        for (const a of alerts) out.write(JSON.stringify(a) + '\n');
      } else if (alerts.length === 0) {
        err.write('netguard alerts: no alerts match\n');
      } else {
        out.write(alertsTable(alerts) + '\n');
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof HistoryError) {
      err.write(`netguard alerts: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await h.close();
  }
}
