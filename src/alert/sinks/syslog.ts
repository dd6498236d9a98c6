// Syslog output: each alert as one RFC 5424 message, sent over UDP (RFC 5426) or TCP (RFC 6587,
// octet-counting or LF framing) to a configured collector.
//
// Never blocks the caller: messages are formatted, queued (bounded, oldest dropped) and written by
// the socket asynchronously; a TCP collector that goes away is reconnected every
// reconnect_interval seconds while messages wait in the queue.
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import type { Alert, AlertSink, Severity } from '../types.js';
import { SEVERITIES } from '../types.js';
import type { Settings } from '../../config/schema.js';
import { escapeText } from '../../decode/addr.js';

export type SyslogSettings = Settings['outputs']['syslog'];

/** RFC 5424 §6.2.1 facility codes. */
export const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  ntp: 12, security: 13, console: 14, solaris_cron: 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** Alert severity to syslog severity (RFC 5424 table 2): CRITICAL crit(2), HIGH err(3), WARNING warning(4), LOW notice(5). */
export const SYSLOG_SEVERITY: Record<Severity, number> = { CRITICAL: 2, HIGH: 3, WARNING: 4, LOW: 5 };

/** SD-ID with a private enterprise number; 32473 is the one RFC 5612 reserves for documentation and examples. */
export const SD_ID = 'netguard@32473';

/** Facility name or number to its code; throws with a one-line message when unknown. */
export function facilityCode(f: string): number {
  const t = f.trim().toLowerCase();
  if (/^\d+$/.test(t) && Number(t) <= 23) return Number(t);
  const c = FACILITIES[t];
  if (c === undefined) throw new Error(`outputs.syslog.facility: unknown facility "${f}" (use kern, user, daemon, auth, local0 .. local7, or 0-23)`);
  return c;
}

/** Printable US-ASCII only (RFC 5424 §6: PRINTUSASCII = %d33-126), cut to `max`; "-" when empty. */
function headerField(s: string, max: number): string {
  const t = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return t === '' ? '-' : t;
}

/** SD-PARAM value escaping (RFC 5424 §6.3.3): '"', '\' and ']' get a backslash. */
export function escapeParamValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => '\\' + c);
}

/** RFC 5424 TIMESTAMP: RFC 3339 with fractional seconds, in UTC. */
function timestamp(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '-';
}

export interface SyslogFormatOptions {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

/**
 * One RFC 5424 message for an alert:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [netguard@32473 k="v" ...] MSG`.
 * MSGID is the alert type; MSG is the alert's message with control characters escaped (so LF
 * framing and terminals stay safe).
 */
export function formatSyslog(alert: Alert, o: SyslogFormatOptions): string {
  const pri = o.facility * 8 + (SYSLOG_SEVERITY[alert.severity] ?? 5);
  const params: Array<[string, string | number | undefined]> = [
    ['id', alert.id],
    ['type', alert.type],
    ['severity', alert.severity],
    ['src_ip', alert.src_ip],
    ['src_port', alert.src_port],
    ['dst_ip', alert.dst_ip],
    ['dst_port', alert.dst_port],
    ['proto', alert.proto],
    ['count', alert.count],
    ['community_id', alert.community_id],
  ];
  const enrichment = (alert as Alert & { enrichment?: { status?: unknown; malicious?: unknown } }).enrichment;
  if (enrichment && typeof enrichment.malicious === 'number') params.push(['vt_malicious', enrichment.malicious]);
  const sd = params
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}="${escapeParamValue(escapeText(String(v)))}"`)
    .join(' ');
  const ts = timestamp(Date.parse(alert.timestamp));
  return `<${pri}>1 ${ts} ${headerField(o.hostname, 255)} ${headerField(o.appName, 48)} ${headerField(o.procId, 128)} ${headerField(alert.type, 32)} [${SD_ID} ${sd}] ${escapeText(alert.message)}`;
}

export interface SyslogOptions {
  /** Status and error lines; default stderr. */
  log?: (message: string) => void;
  /** PROCID; default this process id. */
  procId?: string;
}

/** UDP datagrams are kept under the size RFC 5426 §3.2 says every receiver must accept. */
const UDP_MAX = 2048;

export class SyslogSink implements AlertSink {
  readonly name = 'syslog';
  private readonly fmt: SyslogFormatOptions;
  private readonly minRank: number;
  private readonly log: (m: string) => void;
  private udp: dgram.Socket | null = null;
  private tcp: net.Socket | null = null;
  private connected = false;
  private connecting = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private queue: Buffer[] = [];
  private draining = false;
  private closed = false;
  private lastError = '';
  private udpPending = 0;
  private udpIdle: Array<() => void> = [];
  /** Messages sent, and dropped because the queue was full. */
  sent = 0;
  dropped = 0;

  constructor(
    readonly settings: SyslogSettings,
    opts: SyslogOptions = {},
  ) {
    this.fmt = {
      facility: facilityCode(settings.facility),
      hostname: settings.hostname || os.hostname(),
      appName: settings.app_name,
      procId: opts.procId ?? String(process.pid),
    };
    this.minRank = SEVERITIES.indexOf(settings.min_severity);
    this.log = opts.log ?? ((m: string) => process.stderr.write(`netguard: ${m}\n`));
  }

  onAlert(alert: Alert): void {
    if (this.closed || SEVERITIES.indexOf(alert.severity) < this.minRank) return;
    this.enqueue(formatSyslog(alert, this.fmt));
  }

  /** Queues one already formatted message (exposed for tests and for other sinks' use). */
  enqueue(message: string): void {
    let msg = Buffer.from(message, 'utf8');
    if (this.settings.protocol === 'udp') {
      if (msg.length > UDP_MAX) msg = msg.subarray(0, UDP_MAX);
    } else if (this.settings.framing === 'octet-counting') {
      msg = Buffer.concat([Buffer.from(`${msg.length} `), msg]);
    } else {
      msg = Buffer.concat([msg, Buffer.from('\n')]);
    }
    this.queue.push(msg);
    if (this.queue.length > this.settings.max_queue) {
      this.queue.shift();
      this.dropped++;
    }
    setImmediate(() => this.pump());
  }

  private pump(): void {
    if (this.queue.length === 0 || this.draining) return;
    if (this.settings.protocol === 'udp') this.pumpUdp();
    else this.pumpTcp();
  }

  private pumpUdp(): void {
    if (!this.udp) {
      this.udp = dgram.createSocket(net.isIPv6(this.settings.host) ? 'udp6' : 'udp4');
      this.udp.on('error', (e) => this.fail(e));
      this.udp.unref();
    }
    const sock = this.udp;
    while (this.queue.length > 0) {
      const m = this.queue.shift() as Buffer;
      this.udpPending++;
      sock.send(m, this.settings.port, this.settings.host, (err) => {
        if (err) this.fail(err);
        else this.sent++;
        if (--this.udpPending === 0) for (const f of this.udpIdle.splice(0)) f();
      });
    }
  }

  private pumpTcp(): void {
    if (!this.connected) {
      this.connect();
      return;
    }
    const sock = this.tcp as net.Socket;
    while (this.queue.length > 0) {
      const m = this.queue.shift() as Buffer;
      this.sent++;
      if (!sock.write(m)) {
        // Kernel buffer full: wait for drain instead of piling up in the socket.
        this.draining = true;
        sock.once('drain', () => {
          this.draining = false;
          this.pump();
        });
        return;
      }
    }
  }

  private connect(): void {
    if (this.connecting || this.reconnectTimer || this.closed) return;
    this.connecting = true;
    const sock = net.createConnection({ host: this.settings.host, port: this.settings.port });
    this.tcp = sock;
    sock.setKeepAlive(true, 30_000);
    sock.on('connect', () => {
      this.connecting = false;
      this.connected = true;
      if (this.lastError) this.log(`syslog collector ${this.settings.host}:${this.settings.port} reachable again`);
      this.lastError = '';
      this.pump();
    });
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => {
      this.connected = false;
      this.connecting = false;
      this.draining = false;
      if (this.tcp === sock) this.tcp = null;
      if (!this.closed) this.scheduleReconnect();
    });
    sock.unref();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.pump();
      if (this.queue.length === 0 && !this.connected) this.connect();
    }, this.settings.reconnect_interval * 1000);
    this.reconnectTimer.unref();
  }

  private fail(e: Error): void {
    const msg = `syslog collector ${this.settings.host}:${this.settings.port} (${this.settings.protocol}): ${e.message}`;
    // One line per distinct problem, not one per message.
    if (msg !== this.lastError) this.log(`${msg}; will retry every ${this.settings.reconnect_interval} s`);
    this.lastError = msg;
  }

  /** True while a TCP connection is up (always true for UDP). */
  isConnected(): boolean {
    return this.settings.protocol === 'udp' || this.connected;
  }

  /** Messages waiting to be sent. */
  queued(): number {
    return this.queue.length;
  }

  /** Sends what can be sent now; resolves once the socket has taken it. */
  async flush(): Promise<void> {
    this.pump();
    if (this.udpPending > 0) await new Promise<void>((resolve) => this.udpIdle.push(resolve));
    if (this.settings.protocol === 'tcp' && this.tcp && this.connected) {
      await new Promise<void>((resolve) => (this.tcp as net.Socket).write('', () => resolve()));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.udp) {
      const u = this.udp;
      this.udp = null;
      await new Promise<void>((resolve) => u.close(() => resolve()));
    }
    if (this.tcp) {
      const t = this.tcp;
      this.tcp = null;
      await new Promise<void>((resolve) => t.end(() => resolve()));
      t.destroy();
    }
  }
}

/** Builds the syslog sink from the whole settings document (for the sink registry). */
export function createSyslogSink(settings: Settings, opts: SyslogOptions = {}): SyslogSink {
  return new SyslogSink(settings.outputs.syslog, opts);
}
