// Wires a run together: settings, source, engine, detectors, rules, reputation and sinks, then the chosen mode.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openFile } from '../capture/file-reader.js';
import { SourceError, type CaptureStats, type PacketSource, type RawPacket } from '../capture/types.js';
import type { PcapWriter } from '../capture/pcap-writer.js';
import { loadSettings, ConfigError, removeStaleTemps, WriteFailures, ensureLogDir, withLogDir, findShippedFile, loadedFilesLine, type Settings } from '../config/index.js';
import { Engine } from '../engine/index.js';
import { packetToJson, type Packet } from '../decode/index.js';
import type { BaselineStatus } from '../engine/index.js';
import { AlertFunnel, rateLimitFromSettings, suppressionFromSettings } from '../alert/funnel.js';
import type { StormCounts } from '../alert/storm.js';
import { createSinks, flushAll } from '../alert/sinks/index.js';
import type { Alert, AlertSink } from '../alert/types.js';
import { createDetectors } from '../detect/index.js';
import { RuleEngine, fileRuleIo } from '../rules/index.js';
import { readApiKey } from '../enrich/dotenv.js';
import type { EveSink } from '../alert/sinks/eve.js';
import { createHistorySink, type AlertHistory } from '../history/index.js';
import type { Responder } from '../response/index.js';
import type { WebServer } from '../web/index.js';
import { openReputation, type ReputationRuntime } from './reputation-runtime.js';
import { createEvidence } from './evidence-runtime.js';
import { EXIT_OUTPUTS_LOST, type CliOptions } from './args.js';
import { applyV8Flags } from './v8-flags.js';

/** Everything a mode needs once the run is wired. */
export interface Run {
  opts: CliOptions;
  settings: Settings;
  settingsPath: string | null;
  source: PacketSource;
  engine: Engine;
  sinks: AlertSink[];
  reputation: ReputationRuntime;
  rulesFile: string | null;
  /** The SQLite alert history (history.enabled), or null. */
  history: AlertHistory | null;
  /** Active response (--block or response.enabled), or null. */
  responder: Responder | null;
  /** The web dashboard (--web or web.enabled), or null. */
  web: WebServer | null;
  /** -l/--log-dir as an absolute path (exports are written there too), or null: the working directory. */
  logDir: string | null;
  /** Outputs that could not be written: named once each, counted for the summary and the exit code. */
  failures: WriteFailures;
  /** Warnings to show (settings, rules, source). */
  warnings: string[];
  /** Informational notes (shown once, after the source has opened). */
  notes: string[];
  /** Processes the source to its end (or until stop/count); resolves when done. */
  pump(onPacket?: (raw: RawPacket) => void): Promise<void>;
  /** Flushes sinks, the -w writer and state files. */
  close(): Promise<void>;
}

export type Mode = 'cli' | 'batch' | 'tui';

/** The traffic baseline's learning status, when that detector runs. */
function baselineOf(engine: Engine): BaselineStatus | null {
  const st = engine.detectors.find((d) => d.name === 'traffic-baseline')?.status?.();
  return st && typeof st.learning === 'boolean' ? (st as unknown as BaselineStatus) : null;
}

async function chooseSource(
  opts: CliOptions,
  settings: Settings,
  mode: Mode,
  holdOff: () => Promise<void> | null,
): Promise<{ source: PacketSource; live: boolean; name: string; filter: string }> {
  const filter = opts.filter ?? settings.interface.filter ?? '';
  if (opts.read) {
    // Only -f filters a file: interface.filter in the settings is the live capture's filter.
    const fileFilter = opts.filter ?? '';
    const src = openFile(opts.read, { realtime: opts.realtime, filter: fileFilter, holdOff });
    return { source: src, live: false, name: opts.read, filter: fileFilter };
  }
  // Live capture (the addon's loader, the interface listing) is loaded only for it: a file read does not need it.
  const { openLive, linkTypeName, defaultInterface, listInterfaces } = await import('../capture/index.js');
  const iface = opts.interface ?? defaultInterface(settings.interface.default || undefined);
  if (!iface) {
    const names = listInterfaces().map((i) => i.name);
    throw new SourceError(`no interface to capture on: none is up (available: ${names.join(', ') || 'none'}); use -i IFACE or -r FILE`, 'ENODEV');
  }
  // Like tcpdump, say when the capture is open, so scripts know when traffic will be seen.
  const onOpen = (i: { iface: string; linkType: number }): void => {
    if (mode !== 'tui') process.stderr.write(`netguard: listening on ${i.iface}, link-type ${linkTypeName(i.linkType)}${filter ? `, filter "${filter}"` : ''}\n`);
  };
  const { promiscuous, snaplen, buffer_size: bufferSize } = settings.interface;
  const src = openLive({ iface, filter, promiscuous, snaplen, bufferSize, onOpen });
  return { source: src, live: true, name: iface, filter };
}

export interface WireExtras {
  /** Sees every decoded packet right after detection (before the struct is reused). */
  packetTaps?: Array<(p: Packet) => void>;
}

export async function wire(opts: CliOptions, mode: Mode, extras: WireExtras = {}): Promise<Run> {
  const warnings: string[] = [];
  const notes: string[] = [];
  // Under the dashboard, which owns the terminal, these lines are shown after it exits.
  const failures = new WriteFailures((m) => (mode === 'tui' ? warnings.push(m) : process.stderr.write(`netguard: ${m}\n`)));
  // Settings: the default path is optional; a path given explicitly must exist.
  const explicitSettings = opts.settings !== undefined && opts.settings !== './settings.yaml';
  if (explicitSettings && !existsSync(opts.settings!)) throw new ConfigError(`${opts.settings}: settings file not found`);
  // Not named: the working directory's settings.yaml and rules.yaml, else the copies shipped with NetGuard.
  const settingsFound = explicitSettings ? null : findShippedFile('settings.yaml');
  const loaded = loadSettings(explicitSettings ? opts.settings! : (settingsFound?.path ?? null));
  const explicitRules = opts.rules !== undefined && opts.rules !== './rules.yaml';
  const rulesFound = explicitRules ? null : findShippedFile('rules.yaml');
  const rulesPath = explicitRules ? opts.rules! : (rulesFound?.path ?? './rules.yaml');
  warnings.push(...loaded.warnings);
  // --eve FILE: EVE JSON to FILE, as outputs.eve.enabled with that file (Suricata users' habit).
  if (opts.eve !== undefined) loaded.settings.outputs.eve = { ...loaded.settings.outputs.eve, enabled: true, file: opts.eve };
  // -l: output files go to the log directory (made if missing); without it, paths stay as the settings say.
  const logDir = opts.logDir !== undefined ? ensureLogDir(opts.logDir) : null;
  const settings = logDir ? withLogDir(loaded.settings, logDir) : loaded.settings;
  // Temporary files that runs killed mid-write left beside the files NetGuard replaces atomically.
  // ./rules.yaml too: an earlier run that used it may have left its temporaries, even when this run uses the shipped copy.
  for (const f of [settings.alerts.log_file, settings.ip_reputation.state_file, rulesPath, './rules.yaml']) {
    if (f) removeStaleTemps(f);
  }

  // A file waits between chunks for the EVE writer's backlog (so its EVE output is whole, however slow
  // the disk); asked only while packets are read, after the EVE sink below exists.
  const { source, live, name, filter } = await chooseSource(opts, settings, mode, () => eve?.backlog() ?? null);
  // A capture file gives the same output every time: its scores neither come from nor go to the state
  // file of earlier runs unless --reputation-state asks for it (live capture keeps them, as the seed does).
  const repSettings = live || opts.reputationState ? settings : { ...settings, ip_reputation: { ...settings.ip_reputation, state_file: '' } };
  const reputation = openReputation(repSettings, warnings, failures);

  const funnel = new AlertFunnel({
    suppressionMs: suppressionFromSettings(settings),
    isWhitelisted: (ip: string) => reputation.rep.isWhitelisted(ip),
    maxAlerts: 10_000,
    rateLimit: rateLimitFromSettings(settings),
    stormSample: settings.alerts.storm_sample,
  });
  const debug = opts.debug ? (m: string) => process.stderr.write(`netguard: debug: ${m}\n`) : undefined;
  const sinks = await createSinks(settings, { console: mode === 'cli' && settings.alerts.console, mode, debug, failures });
  // Outputs for the rest of the stack: VirusTotal enrichment, EVE JSON, syslog.
  let eve: EveSink | null = null;
  // filetype redis: EVE lines go to Redis (queued, spooled when it is away) instead of the file. Loaded
  // only then: the Redis client is not start-up time every other run pays.
  const eveRedis = settings.outputs.eve.enabled && settings.outputs.eve.filetype === 'redis' ? (await import('../alert/sinks/eve-redis.js')).createEveRedis(settings) : null;
  // The EVE writer (its DNS, stats and ICMPv6 flow records) is loaded only when EVE output is on.
  if (settings.outputs.eve.enabled) sinks.push((eve = (await import('../alert/sinks/eve.js')).createEveSink(settings, { iface: live ? name : undefined, pcapCount: !live, canWait: !live, packetTime: () => engine.now, flowCounters: () => engine.flowCounters(), captureCounters: () => source.stats?.() ?? null, transport: eveRedis ?? undefined, host: eveRedis?.host ?? settings.sensor_name, failures })));
  if (settings.outputs.syslog.enabled) {
    // The syslog sender (with node:dgram and node:net) is loaded only when syslog output is on.
    const { createSyslogSink } = await import('../alert/sinks/syslog.js');
    try {
      sinks.push(createSyslogSink(settings));
    } catch (e) {
      throw new ConfigError(`${loaded.path ?? 'settings'}: outputs.syslog: ${(e as Error).message}`);
    }
  }
  if (settings.enrichment.enabled) {
    const { key } = readApiKey('VT_API_KEY', settings.enrichment.env_file);
    if (key) {
      // The VirusTotal client is loaded only when there is a key to use it with.
      const { createEnricher } = await import('../enrich/enricher.js');
      sinks.push(
        createEnricher(settings, {
          log: (m) => warnings.push(m),
          // A VirusTotal verdict arrives after the packet path; it scores the source at the engine's current time.
          onVerdict: (ip, stats, points) => {
            const d = reputation.rep.addScore(ip, points, `VirusTotal: ${stats.malicious} engines report malicious`, engine.now);
            if (d) engine.raise(d);
          },
        }),
      );
    } else if (loaded.given.enrichment !== undefined) {
      // Said once, with the start-up warnings, and only when the settings file asks for enrichment (it is on by default, and silently off without a key).
      warnings.push(`VirusTotal enrichment is off: no VT_API_KEY in the environment or ${settings.enrichment.env_file}`);
    }
  }
  // The alert history in SQLite and active response, as sinks. Their one-line problems go to stderr,
  // except under the dashboard, which owns the terminal (they are shown after it exits).
  const note = (m: string): void => {
    if (mode === 'tui') warnings.push(m);
    else process.stderr.write(`netguard: ${m}\n`);
  };
  // Local alerts name their sensor only when sensor_name is set (a console's rows always do).
  const history = createHistorySink(settings, {
    log: note,
    failures,
    sensor: settings.sensor_name,
    source: live ? name : name === '-' ? 'stdin' : path.resolve(name),
    // A file's rows (and their order) follow from the capture alone; live capture writes on a timer.
    pace: live ? 'timer' : 'packets',
  });
  if (history) sinks.push(history);
  // Active response (firewall backends, child processes) is loaded only when --block or response.enabled asks for it.
  const responder = opts.block || settings.response.enabled ? (await import('../response/index.js')).createResponder(settings, {
    block: opts.block,
    dryRun: opts.dryRun,
    isWhitelisted: (ip: string) => reputation.rep.isWhitelisted(ip),
    log: (m) => note(`response: ${m}`),
  }) : null;
  if (responder) sinks.push(responder);
  for (const s of sinks) funnel.addSink(s);
  reputation.alertsBySource = () => funnel.summary().bySource;

  // Rules: the default file is optional; an explicitly named one must load, and errors are fatal at start.
  let rulesFile: string | null = null;
  let writer: PcapWriter | null = null;
  // The -w writer is loaded only when -w is given.
  const Writer = opts.write ? (await import('../capture/pcap-writer.js')).PcapWriter : null;

  const evidence = createEvidence(settings, { live, read: opts.read, name, filter, history: history ? settings.history.db_file : null, note, failures });

  /** Set once the source has run to its end (or was stopped): the views then show the end, not a frozen rate. */
  let sourceEnded = false;
  /** The web dashboard is served: --web [host:port], or web.enabled in the settings. */
  const serveWeb = opts.web !== undefined || settings.web.enabled;
  const engine: Engine = new Engine({
    evidence: evidence?.store ?? null,
    fileFilter: filter,
    source: name,
    live,
    filter,
    // Batch output has no packet feed, menu or export to show held packets: copying each frame for
    // nobody was 2% of `--batch -r` (a web page, when asked for, shows them).
    historySize: mode === 'batch' && !serveWeb ? 0 : settings.display.packet_history_size,
    funnel,
    detectors: (raise) => [...createDetectors(settings, raise), reputation.detector(raise)],
    rules: (raise) => {
      if (!existsSync(rulesPath)) {
        if (explicitRules) throw new ConfigError(`${rulesPath}: rules file not found`);
        return null;
      }
      // Toggles of the shipped rules go to a copy in the working directory, never into the installation.
      const re = new RuleEngine(raise, fileRuleIo, rulesFound?.from === 'package' ? { userCopy: path.resolve('rules.yaml') } : {});
      const r = re.loadFile(rulesPath);
      if (!r.ok) throw new ConfigError(r.errors.join('\n'), r.errors);
      warnings.push(...r.warnings);
      rulesFile = rulesPath;
      return re;
    },
    reputation: reputation.rep,
    baseline: (): BaselineStatus | null => baselineOf(engine),
    packetTaps: [...(extras.packetTaps ?? []), ...(eve ? [(p: Packet) => eve!.onPacket(p)] : [])],
    // EVE flow records: a flow is logged when it leaves the connection table (and at close, if open).
    onFlowEnd: eve && settings.outputs.eve.flow ? (f, reason, now) => eve!.onFlowEnd(f, reason, now) : undefined,
    // Exports (menu, dashboard, web page) load the pcap file writer when the first is asked for.
    writePcap: async (file, packets) => (await import('../capture/pcap-export.js')).writePcapFile(file, packets),
    drops: () => source.drops(),
    captureStats: () => source.stats?.() ?? null,
    ended: () => sourceEnded,
    // The dashboard's history view. Queued alerts are written first (flush does its writes before it
    // returns) so the view includes this run's latest ones; a user asks this, never the packet path.
    alertHistory: history
      ? (q) => {
          void history.flush();
          return history.query(q);
        }
      : null,
  });

  // Which settings and rules this run uses, in one line (the dashboard's is shown when it exits).
  const loadedLine = loadedFilesLine(explicitSettings ? opts.settings! : settingsFound, rulesFile === null ? null : explicitRules ? rulesPath : rulesFound);
  if (mode === 'tui') notes.push(loadedLine);
  else process.stderr.write(`netguard: ${loadedLine}\n`);

  // The web dashboard (--web [host:port], or web.enabled): bare --web uses web.host:web.port (127.0.0.1:8080).
  let web: WebServer | null = null;
  if (serveWeb) {
    // The web dashboard's code is loaded only when a page is served.
    const { parseWebAddress, startWebServer } = await import('../web/index.js');
    const { host, port } = parseWebAddress(opts.web, { host: settings.web.host, port: settings.web.port });
    web = await startWebServer(engine, { host, port, token: settings.web.token, history });
    process.stderr.write(`netguard: web dashboard at ${web.loginUrl}\n`);
  }

  // The seed's -c default of 50 is for live CLI captures; a file is read to its end unless -c is given.
  let stopAt = opts.count ?? (mode === 'cli' && !opts.read ? 50 : Infinity);
  const pump = async (onPacket?: (raw: RawPacket) => void): Promise<void> => {
    // NetGuard's V8 settings, from here on: every function of the packet path is first called under them.
    applyV8Flags();
    const dropWatch = live ? new DropWatch(name, note) : null;
    const tickTimer = live
      ? setInterval(() => {
          engine.tick(Date.now());
          dropWatch!.check(source.stats?.() ?? null, engine.packets);
          eve?.onTick(engine.now);
        }, 1000)
      : null;
    try {
      await source.run((raw) => {
        if (engine.packets >= stopAt) return;
        engine.handle(raw);
        if (opts.write && !failures.has(opts.write)) {
          try {
            writer ??= new Writer!(opts.write, raw.linkType);
            writer.write(raw);
          } catch (e) {
            failures.fail(opts.write, (e as { cause?: unknown }).cause ?? e, { after: 'packets are not saved there', unsaved: 'no packets saved' });
          }
        }
        onPacket?.(raw);
        if (engine.packets >= stopAt) source.stop();
      });
    } finally {
      if (tickTimer) clearInterval(tickTimer);
      sourceEnded = true;
    }
    // A file's history is written at packet-time ticks, and none come after its last packet: what is queued is
    // written now for the views that stay open (and other processes reading the database); batch mode closes next.
    if (mode !== 'batch' && !live) await history?.flush();
    // Drops that began in the last second of the capture still get their one line.
    dropWatch?.check(source.stats?.() ?? null, engine.packets);
    warnings.push(...source.warnings);
  };

  let closing: Promise<void> | null = null;
  // Idempotent: the menu, a signal handler and the mode may all ask to close.
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stopAt = 0;
      await web?.close();
      eve?.finalRecords();
      // Every alert still open gets its final record: the detectors first raise the evidence they held
      // back (at most one update per second), storm alerts of unfinished windows go out, then the funnel
      // closes each episode (final: true).
      for (const d of engine.detectors) d.finish?.(engine.now);
      funnel.flushStorms();
      funnel.closeAll();
      // Flows still open when the capture ends are logged as ended by shutdown, as Suricata does.
      if (eve) {
        if (settings.outputs.eve.flow) engine.endFlows();
        eve.finish(engine.now);
      }
      await flushAll(sinks);
      evidence?.close();
      await eveRedis?.close();
      // Closes the database and removes NetGuard's firewall table.
      await history?.close();
      await responder?.close();
      if (writer) {
        const w = writer;
        await w.close().catch((e: unknown) => failures.fail(w.path, (e as { cause?: unknown }).cause ?? e, { after: 'the capture file is incomplete', unsaved: `incomplete after ${w.count} packets` }));
      }
      await reputation.save();
    })());

  return { opts, settings, settingsPath: loaded.path, source, engine, sinks, reputation, rulesFile, history, responder, web, logDir, failures, warnings, notes, pump, close };
}

/**
 * One warning line when the kernel begins to drop packets of a live capture, as Zeek's capture-loss
 * notice: a user must know that what NetGuard did not see it could not detect.
 */
export class DropWatch {
  private warned = false;

  constructor(
    private readonly iface: string,
    private readonly say: (m: string) => void,
  ) {}

  check(stats: CaptureStats | null, seen: number): void {
    if (this.warned || stats === null || stats.kernel_drops === 0) return;
    this.warned = true;
    const total = seen + stats.kernel_drops;
    const pct = total > 0 ? ((100 * stats.kernel_drops) / total).toFixed(1) : '0';
    this.say(
      `warning: the kernel dropped ${stats.kernel_drops} packets on ${this.iface} (${pct}% so far): NetGuard is not keeping up and cannot see them; ` +
        'a bigger interface.buffer_size absorbs bursts, a capture filter (-f) lightens a steady load (see docs/capture.md)',
    );
  }
}

/** Prints the run's pending warnings (and, unless `warningsOnly`, its notes) on stderr, once each. */
export function printWarnings(run: Run, warningsOnly = false): void {
  for (const w of run.warnings.splice(0)) process.stderr.write(`netguard: warning: ${w}\n`);
  if (!warningsOnly) for (const n of run.notes.splice(0)) process.stderr.write(`netguard: ${n}\n`);
}

/** Batch mode: alerts as JSON lines on stdout (and packets with --dump-packets), one summary line on stderr. */
export async function runBatch(opts: CliOptions): Promise<number> {
  const out = new StdoutLines();
  const taps = opts.dumpPackets ? [(p: Packet) => out.line(JSON.stringify(packetToJson(p)))] : [];
  const run = await wire(opts, 'batch', { packetTaps: taps });
  printWarnings(run, true);
  run.engine.onAlert((a: Alert) => out.line(JSON.stringify(a), true));
  // Each alert once more when its episode closes, with its whole evidence (final: true, same id).
  run.engine.funnel.addSink({ name: 'stdout', onFinal: (a: Alert) => out.line(JSON.stringify(a), true) });
  const started = process.hrtime.bigint();
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
    run.source.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.on('SIGHUP', () => process.stderr.write(`netguard: ${run.engine.reloadRules().message}\n`));
  try {
    await run.pump();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  // A file read with --web: the page keeps showing the finished run until the user interrupts (at once
  // when the user already interrupted the reading).
  // The summary's time is the run's, without that wait.
  let servedNs = 0n;
  if (run.web && opts.read !== undefined && !interrupted) {
    await out.end();
    const { serveUntilInterrupted } = await import('./web-hold.js');
    const from = process.hrtime.bigint();
    await serveUntilInterrupted(opts.read, run.web.loginUrl, (l) => process.stderr.write(`${l}\n`));
    servedNs = process.hrtime.bigint() - from;
  }
  await run.close();
  await out.end();
  printWarnings(run);
  const secs = Number(process.hrtime.bigint() - started - servedNs) / 1e9;
  // The counters alone: a whole snapshot() would also list and sort every open connection for nothing.
  const e = run.engine;
  const sum = e.funnel.summary();
  const limited = sum.storm?.folded ? ` (${stormText(sum.storm)})` : '';
  // A live capture also says what the kernel dropped (as tcpdump's "N packets dropped by kernel").
  const cap = run.source.stats?.() ?? null;
  const dropped = cap ? `, ${cap.kernel_drops} dropped by kernel` : '';
  const n = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
  // What the outputs that failed did not get (each was named when it failed).
  const lost = run.failures.summary();
  process.stderr.write(
    `netguard: ${n(e.stats.packets, 'packet')}, ${n(e.stats.bytes, 'byte')}, ${n(sum.total, 'alert')}${limited}, ${secs.toFixed(2)} s, ${n(e.errors, 'decode error')}${dropped} (${run.source.name})${lost ? `; not written: ${lost}` : ''}\n`,
  );
  return run.failures.anyLost ? EXIT_OUTPUTS_LOST : 0;
}

/** "99296 more folded into 4 storm alerts: SQL_INJECTION 19800, ..." (the summary line's storm part). */
export function stormText(s: StormCounts): string {
  const types = Object.entries(s.foldedByType)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([t, n]) => `${t} ${n}`);
  return `${s.folded} more folded into ${s.storms} storm alert${s.storms === 1 ? '' : 's'} by alerts.rate_limit: ${types.join(', ')}`;
}

/** Longest a line waits in StdoutLines before it is written, ms of wall time. */
const STDOUT_FLUSH_MS = 250;

/**
 * Batch mode's stdout. Lines are gathered and written in blocks of up to 64 KiB (--dump-packets writes a
 * line per packet, and one write per line would cost more than decoding), but an alert is for a SIEM
 * shipper reading the pipe and must not wait: line(s, true) writes the buffer as soon as the chunk of
 * packets being processed is done (setImmediate runs when the source's synchronous loop yields, after
 * every chunk of a file, of stdin and of the live capture), and no line waits longer than STDOUT_FLUSH_MS
 * (an unref'd timer, so it never holds the process open). The same whether stdout is a pipe, a file or a
 * terminal. A reader that went away (EPIPE, as `| head`) ends the writing, not the run.
 */
export class StdoutLines {
  private buf: string[] = [];
  private size = 0;
  private closed = false;
  private soon: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushNow = (): void => this.flushSync();

  constructor() {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.closed = true;
    });
  }

  /** Queues one line; `urgent` (an alert) has it written once the current chunk of packets is done. */
  line(s: string, urgent = false): void {
    if (this.closed) return;
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size > 1 << 16) {
      this.flushSync();
      return;
    }
    if (urgent && this.soon === null) this.soon = setImmediate(this.flushNow);
    if (this.timer === null) {
      this.timer = setTimeout(this.flushNow, STDOUT_FLUSH_MS);
      this.timer.unref();
    }
  }

  private flushSync(): void {
    if (this.soon !== null) clearImmediate(this.soon);
    if (this.timer !== null) clearTimeout(this.timer);
    this.soon = null;
    this.timer = null;
    if (this.buf.length === 0 || this.closed) return;
    process.stdout.write(this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  async end(): Promise<void> {
    this.flushSync();
    await new Promise<void>((resolve) => {
      if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => resolve());
      else resolve();
    });
  }
}
