// The `netguard console` subcommand: one place that sees every sensor. It reads the EVE records sensors
// put into a Redis stream (consumer group), stores them in the SQLite history with their sensor, and
// serves the web page over all of them; `netguard alerts --sensor NAME` queries the same database.
import { Command, CommanderError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadSettings, ConfigError } from '../config/index.js';
import { AlertHistory } from '../history/index.js';
import { ConsoleControl, StreamReader, parseRedisUrl, type RedisSource } from '../console/index.js';
import { startWebServer, parseWebAddress, type WebServer } from '../web/index.js';

interface ConsoleOptions {
  redis: string;
  group: string;
  consumer?: string;
  db?: string;
  web?: string | boolean;
  batch: string;
  settings?: string;
}

const EXAMPLES = `
Sensors write EVE into the stream with settings outputs.eve: { enabled: true, filetype: redis,
redis: { server: HOST, port: 6379, mode: stream, key: netguard } } (see docs/sensors.md).

Examples:
  netguard console --redis redis://10.0.0.5:6379/netguard --web
  netguard console --redis redis://127.0.0.1:6379/netguard --db /var/lib/netguard/all.db
  netguard alerts --sensor branch-office-1 --since 1d

Exit codes: 0 stopped by a signal, 1 Redis or the database failed, 2 bad usage.`;

function program(): Command {
  return new Command('netguard console')
    .description('Read every sensor\'s EVE records from a Redis stream into the alert history, and serve the web page over all sensors')
    .requiredOption('--redis <url>', 'the stream: redis://[user:password@]HOST:PORT/KEY')
    .option('--group <name>', 'consumer group (consoles in one group share the stream)', 'netguard-console')
    .option('--consumer <name>', 'this console\'s name in the group; keep it across restarts (default: the host name)')
    .option('--db <file>', 'history database (default: history.db_file from the settings, ./netguard.db)')
    .addOption(new Option('--web [host:port]', 'serve the web page over all sensors (default 127.0.0.1:8080)'))
    .option('--batch <n>', 'entries per read and per transaction', '1000')
    .option('--settings <file>', 'settings file', './settings.yaml')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride();
}

/** Runs `netguard console ARGS` (argv without "console"); resolves with the exit code when stopped. */
export async function runConsoleCommand(argv: string[], io: { signal?: AbortSignal } = {}): Promise<number> {
  const err = process.stderr;
  const say = (m: string): void => void err.write(`netguard console: ${m}\n`);
  const prog = program();
  prog.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => undefined });
  let o: ConsoleOptions;
  let source: RedisSource;
  let batch: number;
  let settings;
  try {
    prog.parse(argv, { from: 'user' });
    o = prog.opts<ConsoleOptions>();
    source = parseRedisUrl(o.redis);
    if (!/^\d+$/.test(o.batch) || Number(o.batch) < 1 || Number(o.batch) > 100_000) throw new Error(`--batch takes a whole number from 1 to 100000 (got "${o.batch}")`);
    batch = Number(o.batch);
    const explicit = o.settings !== undefined && o.settings !== './settings.yaml';
    if (explicit && !existsSync(o.settings!)) throw new ConfigError(`${o.settings}: settings file not found`);
    settings = loadSettings(o.settings && existsSync(o.settings) ? o.settings : null).settings;
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) return 0;
    say(`${(e as Error).message.replace(/^error: /, '')} (see netguard console --help)`);
    return 2;
  }
  const file = o.db ?? (settings.history.db_file || './netguard.db');
  // The console keeps what sensors send as long as the settings say; its own alerts would be '' (it has none).
  // A database that cannot be opened ends the console (it has nothing else to do): said here, once, in
  // the console's words rather than a sensor's "history off, other outputs continue".
  let opening = true;
  const heldLines: string[] = [];
  const history = new AlertHistory(file, {
    retentionDays: settings.history.retention_days,
    maxRows: settings.history.max_rows,
    log: (m) => (opening ? heldLines.push(m) : say(m)),
  });
  opening = false;
  if (history.error) {
    say(`cannot store into ${file}: ${history.error}; nothing was read from Redis`);
    return 1;
  }
  for (const m of heldLines) say(m);
  const where = `redis://${source.host}:${source.port}/${source.key}`;
  const control = new ConsoleControl(where);
  const consumer = o.consumer ?? hostname();
  const reader = new StreamReader(source, history, {
    group: o.group,
    consumer,
    batch,
    log: say,
    onAlerts: (alerts) => control.addAlerts(alerts),
  });
  let web: WebServer | null = null;
  const started = Date.now();
  const stop = (): void => void reader.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.signal?.addEventListener('abort', stop);
  const progress = setInterval(() => (control.records = reader.stats.stored), 500);
  let code = 0;
  try {
    await reader.open();
    if (o.web !== undefined || settings.web.enabled) {
      const { host, port } = parseWebAddress(o.web, { host: settings.web.host, port: settings.web.port });
      web = await startWebServer(control, { host, port, token: settings.web.token, history });
      say(`web page at ${web.loginUrl}`);
    }
    say(`reading ${where} as ${o.group}/${consumer} into ${file}`);
    await reader.run();
  } catch (e) {
    say(`${where}: ${(e as Error).message}`);
    code = 1;
  } finally {
    clearInterval(progress);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await reader.stop();
    await web?.close();
    await history.close();
  }
  const secs = (Date.now() - started) / 1000;
  const st = reader.stats;
  say(`${st.stored} records stored (${st.alerts} alerts), ${st.duplicates} already stored, ${st.acked} acknowledged, ${secs.toFixed(1)} s`);
  return code;
}
