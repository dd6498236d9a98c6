// The CLI mode's interactive menu: the seed's 24 options over what was captured, on node:readline.
//
// The numbering and labels are the NetGuard seed's and must not change: scripts pipe option numbers in
// (`printf '11\n19\n21\n' | netguard -r capture.pcap`).
import type { ChalkInstance } from 'chalk';
import { SEVERITIES, type Alert } from '../../alert/types.js';
import type { ConnectionRow, ListName, MenuBackend, PacketRow, PacketSearch, ReputationRow } from './backend.js';
import {
  formatBytes,
  formatClock,
  formatDateTime,
  formatDuration,
  formatIso,
  makeChalk,
  portText,
  safe,
  severityText,
  statusText,
  table,
  type Column,
} from './format.js';
import { LineReader, type Input } from './line-reader.js';
import {
  KNOWN_PROTOCOLS,
  parseConnectionInput,
  parseIpInput,
  parseListInput,
  parsePortInput,
  parseProtocolInput,
  parseRuleInput,
  parseAlertInput,
  parseFilterArg,
  type Parsed,
} from './prompts.js';

export interface MenuIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Input is a terminal: line editing, Ctrl-C handling and paging. From a pipe: plain lines, no paging. */
  isTTY: boolean;
  color: boolean;
  /** Rows per page when paging (default 20). */
  pageSize?: number;
  /** Print the one-line capture summary before the first menu (default true). */
  summary?: boolean;
}

/** The seed's menu, in its order. */
export const MENU_OPTIONS: readonly { n: number; label: string }[] = [
  { n: 1, label: 'Show all packets' },
  { n: 2, label: 'Show connections' },
  { n: 3, label: 'Search by IP' },
  { n: 4, label: 'Search by port' },
  { n: 5, label: 'Search by protocol' },
  { n: 6, label: 'Show active connections' },
  { n: 7, label: 'Show closed connections' },
  { n: 8, label: 'Connection details' },
  { n: 9, label: 'Show DNS queries' },
  { n: 10, label: 'Show top domains' },
  { n: 11, label: 'Show protocol statistics' },
  { n: 12, label: 'Show suspicious IPs' },
  { n: 13, label: 'Show malicious IPs' },
  { n: 14, label: 'Check IP reputation' },
  { n: 15, label: 'Add IP to blacklist' },
  { n: 16, label: 'Add IP to whitelist' },
  { n: 17, label: 'Add known malicious IP' },
  { n: 18, label: 'Show recent alerts' },
  { n: 19, label: 'Show alert summary' },
  { n: 20, label: 'Show baseline status' },
  { n: 21, label: 'Exit' },
  { n: 22, label: 'Show custom rules' },
  { n: 23, label: 'Toggle a rule' },
  { n: 24, label: 'Reload rules' },
];

export const EXIT_OPTION = 21;
/** How many alerts option 18 shows. */
export const RECENT_ALERTS = 20;
/** How many names option 10 shows. */
export const TOP_DOMAINS = 10;
/** How many rows each part of option 11 and 19 shows. */
export const TOP_ROWS = 10;
export const DEFAULT_PAGE_SIZE = 20;
export const MENU_PROMPT = 'Choice [1-24]: ';
export const MORE_PROMPT = '-- more (space, q) --';

/** The input ended (Ctrl-D or end of the pipe): leave the menu. */
class EndOfInput extends Error {}
/** Ctrl-C or an empty answer at a prompt: back to the menu. */
class Cancelled extends Error {}

class Menu {
  readonly c: ChalkInstance;
  private readonly reader: LineReader;
  readonly pageSize: number;

  constructor(
    readonly backend: MenuBackend,
    private readonly io: MenuIo,
  ) {
    this.c = makeChalk(io.color);
    this.reader = new LineReader(io.input, io.output, io.isTTY);
    this.pageSize = Math.max(1, io.pageSize ?? DEFAULT_PAGE_SIZE);
  }

  print(line = ''): void {
    this.io.output.write(line + '\n');
  }

  /** Terminal width, when printing to a terminal that says. */
  private width(): number | undefined {
    const cols = (this.io.output as { columns?: number }).columns;
    return this.io.isTTY && typeof cols === 'number' && cols > 0 ? cols : undefined;
  }

  title(text: string): void {
    this.print();
    this.print(this.c.bold.underline(text));
  }

  printMenu(): void {
    const half = MENU_OPTIONS.length / 2;
    const left = MENU_OPTIONS.slice(0, half);
    const right = MENU_OPTIONS.slice(half);
    const leftWidth = Math.max(...left.map((o) => o.label.length)) + 4;
    this.print();
    this.print(this.c.bold('NetGuard menu'));
    for (let i = 0; i < half; i++) {
      const l = `${String(left[i].n).padStart(2)}. ${left[i].label}`;
      const r = `${String(right[i].n).padStart(2)}. ${right[i].label}`;
      this.print(`  ${l.padEnd(leftWidth + 4)}${r}`);
    }
  }

  printSummary(): void {
    const s = this.backend.summary();
    this.print(
      `Captured ${s.packets} packets (${formatBytes(s.bytes)}) from ${safe(s.source)} over ${formatDuration(s.durationMs)}: ` +
        `${s.alerts} alert${s.alerts === 1 ? '' : 's'}, ${s.decodeErrors} decode error${s.decodeErrors === 1 ? '' : 's'}.`,
    );
  }

  /** A person at a terminal (prompts that a piped script would not expect are asked only then). */
  get interactive(): boolean {
    return this.io.isTTY;
  }

  async ask(prompt: string): Promise<Input> {
    return this.reader.ask(prompt);
  }

  /** Asks until `parse` accepts; Ctrl-C or an empty answer cancels, end of input leaves the menu. */
  async prompt<T>(question: string, parse: (text: string) => Parsed<T>): Promise<T> {
    for (;;) {
      const input = await this.reader.ask(question);
      if (input.kind === 'eof') throw new EndOfInput();
      if (input.kind === 'interrupt') throw new Cancelled();
      if (input.text.trim() === '') throw new Cancelled();
      const r = parse(input.text);
      if (r.ok) return r.value;
      this.print(this.c.red(r.error) + ' (Enter alone goes back to the menu.)');
    }
  }

  /**
   * Prints a table, a page at a time when interactive: after each page "-- more (space, q) --", where
   * space or Enter shows the next page and q or Ctrl-C stops, at once, as in more(1) and less(1).
   * From a pipe everything is printed at once.
   */
  async printTable(columns: Column[], rows: string[][], empty: string): Promise<void> {
    if (rows.length === 0) {
      this.print(empty);
      return;
    }
    const t = table(columns, rows, this.c, this.width());
    for (const h of t.header) this.print(h);
    if (!this.io.isTTY) {
      for (const l of t.lines) this.print(l);
      return;
    }
    for (let i = 0; i < t.lines.length; i += this.pageSize) {
      for (const l of t.lines.slice(i, i + this.pageSize)) this.print(l);
      const rest = t.lines.length - (i + this.pageSize);
      if (rest <= 0) break;
      const key = await this.reader.key(this.c.inverse(MORE_PROMPT) + ' ');
      // The prompt line is erased, so the next page continues the table.
      this.io.output.write('\r\x1b[2K');
      if (key.kind === 'eof') throw new EndOfInput();
      if (key.kind === 'interrupt' || key.name === 'q') {
        this.print(`(${rest} more row${rest === 1 ? '' : 's'} not shown)`);
        break;
      }
    }
  }

  /** Key/value lines, keys aligned. */
  printFields(fields: [string, string][]): void {
    const w = Math.max(...fields.map(([k]) => k.length));
    for (const [k, v] of fields) this.print(`  ${k.padEnd(w)}  ${v}`);
  }

  async run(): Promise<void> {
    let interrupted = false;
    let showMenu = true;
    try {
      if (this.io.summary !== false) this.printSummary();
      for (;;) {
        if (showMenu) this.printMenu();
        showMenu = true;
        const input = await this.reader.ask(MENU_PROMPT);
        if (input.kind === 'eof') break;
        if (input.kind === 'interrupt') {
          // A second Ctrl-C in a row at the menu leaves, as in node's REPL; one alone might be a slip.
          if (interrupted) break;
          interrupted = true;
          this.print(`(Press Ctrl-C again, Ctrl-D or enter ${EXIT_OPTION} to exit.)`);
          showMenu = false;
          continue;
        }
        interrupted = false;
        const text = input.text.trim();
        if (text === '') continue;
        // "1 FILTER" and "18 ALERT [FILE]" take what follows the number (see OPTION_ARGS).
        const parts = /^(\d+)(?:\s+(.*))?$/.exec(text);
        const n = parts ? Number(parts[1]) : NaN;
        const arg = parts?.[2]?.trim() ?? '';
        const option = MENU_OPTIONS.find((o) => o.n === n);
        // A mistake gets one line and the prompt again; the menu itself would scroll the line away.
        if (!option) {
          this.print(this.c.red(`Unknown choice '${safe(text)}': enter a number from 1 to ${MENU_OPTIONS.length} (Enter alone shows the menu).`));
          showMenu = false;
          continue;
        }
        if (arg !== '' && !OPTION_ARGS.has(option.n)) {
          this.print(this.c.red(`Option ${option.n} takes nothing after its number (only 1 takes a display filter, and 18 an alert).`));
          showMenu = false;
          continue;
        }
        if (option.n === EXIT_OPTION) break;
        try {
          this.title(`${option.n}. ${option.label}`);
          await OPTION_HANDLERS[option.n](this, arg);
        } catch (e) {
          if (e instanceof EndOfInput) break;
          if (e instanceof Cancelled) {
            this.print('(cancelled)');
            continue;
          }
          // A failing backend call (a list file that cannot be written) is reported, and the menu goes on.
          this.print(this.c.red(`Error: ${safe(e instanceof Error ? e.message : String(e))}`));
        }
      }
    } finally {
      this.reader.close();
      this.print('Saving state and exiting.');
      await this.backend.close();
    }
  }
}

// ---- rows ----------------------------------------------------------------------------------------

/** "192.0.2.1" with its port, or "[2001:db8::1]:443" for IPv6. */
function endpoint(ip: string | undefined, port: number | undefined): string {
  if (!ip) return '-';
  const a = safe(ip);
  if (port === undefined || port === 0) return a;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

const PACKET_COLUMNS: Column[] = [
  { header: 'No.', align: 'right' },
  { header: 'Time' },
  { header: 'Proto' },
  { header: 'Source' },
  { header: 'Src port' },
  { header: 'Destination' },
  { header: 'Dst port' },
  { header: 'Len', align: 'right' },
  { header: 'Info' },
];

function packetRows(m: Menu, rows: PacketRow[]): string[][] {
  return rows.map((p) => {
    const portless = p.srcPort === 0 && p.dstPort === 0;
    return [
      String(p.n),
      formatClock(p.ts),
      safe(p.proto),
      safe(p.src),
      portless ? '-' : portText(p.srcPort, m.backend.service(p.srcPort, p.proto)),
      safe(p.dst),
      portless ? '-' : portText(p.dstPort, m.backend.service(p.dstPort, p.proto)),
      String(p.len),
      safe(p.info),
    ];
  });
}

async function showPackets(m: Menu, rows: PacketRow[], empty: string): Promise<void> {
  await m.printTable(PACKET_COLUMNS, packetRows(m, rows), empty);
}

const CONNECTION_COLUMNS: Column[] = [
  { header: '#', align: 'right' },
  { header: 'Proto' },
  { header: 'Source' },
  { header: 'Src port' },
  { header: 'Destination' },
  { header: 'Dst port' },
  { header: 'State' },
  { header: 'Pkts out/in', align: 'right' },
  { header: 'Bytes out/in', align: 'right' },
  { header: 'Start' },
  { header: 'Duration', align: 'right' },
];

/** Connection rows numbered by their place in the full list (the numbers option 8 accepts). */
function connectionRows(m: Menu, rows: ConnectionRow[], all: ConnectionRow[]): string[][] {
  const index = new Map(all.map((c, i) => [c.id, i + 1]));
  return rows.map((c) => [
    String(index.get(c.id) ?? '?'),
    safe(c.proto),
    safe(c.src),
    String(c.srcPort),
    safe(c.dst),
    portText(c.dstPort, c.service),
    c.closed ? m.c.dim(safe(c.state)) : m.c.green(safe(c.state)),
    `${c.packetsOut}/${c.packetsIn}`,
    `${formatBytes(c.bytesOut)}/${formatBytes(c.bytesIn)}`,
    formatClock(c.start),
    formatDuration(c.last - c.start),
  ]);
}

async function showConnections(m: Menu, filter: (c: ConnectionRow) => boolean, empty: string): Promise<void> {
  const all = m.backend.connections();
  const rows = all.filter(filter);
  if (rows.length) m.print(plural(rows.length, 'connection'));
  await m.printTable(CONNECTION_COLUMNS, connectionRows(m, rows, all), empty);
}

const REPUTATION_COLUMNS: Column[] = [
  { header: 'IP' },
  { header: 'Status' },
  { header: 'Score', align: 'right' },
  { header: 'Alerts', align: 'right' },
  { header: 'Last seen' },
  { header: 'Reasons' },
];

function reputationRows(m: Menu, rows: ReputationRow[]): string[][] {
  return rows.map((r) => [
    safe(r.ip),
    statusText(r.status, m.c),
    `${r.score}/${r.threshold}`,
    String(r.alerts),
    r.lastSeen === null ? '-' : formatDateTime(r.lastSeen),
    r.reasons.map(safe).join('; '),
  ]);
}

const ALERT_COLUMNS: Column[] = [
  { header: 'Time' },
  { header: 'Severity' },
  { header: 'Type' },
  { header: 'Source' },
  { header: 'Destination' },
  { header: 'Count', align: 'right' },
  { header: 'Message', wrap: true },
];

/** "N [FILE]" after 18: an alert by its number in the list or its id, then an optional pcap file. */
async function alertDetails(m: Menu, alerts: Alert[], arg: string): Promise<void> {
  const [which, ...rest] = arg.split(/\s+/);
  const r = parseAlertInput(which, alerts);
  if (!r.ok) {
    m.print(m.c.red(r.error));
    return;
  }
  await showAlert(m, r.value, rest.join(' '));
}

/** One alert: its fields, its evidence (counts, flows, packets), then its pcap written to `file` (or asked for at a terminal). */
async function showAlert(m: Menu, a: Alert, file: string): Promise<void> {
  m.title(`Alert ${safe(a.id)}`);
  m.printFields([
    ['Type', safe(a.type)],
    ['Severity', severityText(a.severity, m.c)],
    ['First seen', formatIso(a.timestamp)],
    ['Last seen', formatIso(a.last_seen)],
    ['Source', endpoint(a.src_ip, a.src_port)],
    ['Destination', endpoint(a.dst_ip, a.dst_port)],
    ['Count', String(a.count)],
    ['Message', safe(a.message)],
    ['Details', safe(JSON.stringify(a.details))],
  ]);
  const ev = m.backend.alertEvidence ? m.backend.alertEvidence(a.id) : null;
  if (ev) {
    m.print();
    m.print(
      `${plural(ev.seen, 'packet')} in the episode${ev.open ? ' (still open)' : ''}, ${ev.kept} kept, ${ev.fromLookback} from before the alert, ` +
        `${ev.evicted} evicted, ${ev.overBudget} over the alert's budget` +
        (ev.sourceFile ? (ev.complete ? `; all ${ev.indexed} can be read back from ${safe(ev.sourceFile)}` : `; ${ev.indexed} positions in ${safe(ev.sourceFile)}`) : ''),
    );
    m.print();
    m.print(m.c.bold(`Flows (${ev.flows.length}${ev.flowsDropped > 0 ? `; the list is full, ${ev.flowsDropped} kept packets are of flows not listed` : ''})`));
    await m.printTable(
      [{ header: 'Proto' }, { header: 'Source' }, { header: 'Destination' }, { header: 'State' }, { header: 'Pkts', align: 'right' }, { header: 'Bytes', align: 'right' }, { header: 'Community ID' }, { header: 'flow_id' }],
      ev.flows.map((f) => [safe(f.proto), endpoint(f.src, f.srcPort), endpoint(f.dst, f.dstPort), safe(f.state) || '-', String(f.packets), formatBytes(f.bytes), safe(f.community_id), String(f.flow_id)]),
      'No flows.',
    );
    m.print();
    m.print(m.c.bold(`Packets (${ev.packets.length} kept)`));
    await showPackets(m, ev.packets, 'No packets are held.');
  } else {
    m.print('No evidence of this alert is held by this run (an earlier run, evidence off, or it names no address).');
  }
  if (!m.backend.exportAlertPcap) return;
  let target = file;
  if (target === '' && m.interactive) {
    const t = await m.ask("Write its packets to a pcap file (file name, Enter to skip): ");
    if (t.kind !== 'line' || t.text.trim() === '') return;
    target = t.text.trim();
  }
  if (target === '') return;
  try {
    const r = await m.backend.exportAlertPcap(a.id, target);
    m.print(m.c.green(`Wrote ${plural(r.count, 'packet')} of alert ${safe(a.id)} to ${safe(r.path)} (${safe(r.from)}).`));
  } catch (e) {
    m.print(m.c.red(`Pcap not written: ${safe((e as Error).message)}`));
  }
}

function alertRows(m: Menu, alerts: Alert[]): string[][] {
  return alerts.map((a) => [
    formatIso(a.timestamp),
    severityText(a.severity, m.c),
    safe(a.type),
    endpoint(a.src_ip, a.src_port),
    endpoint(a.dst_ip, a.dst_port),
    String(a.count),
    safe(a.message),
  ]);
}

/** Counts as a table, largest first, at most `limit` rows. */
async function showCounts(m: Menu, header: string, counts: Record<string, number>, limit: number, label: (k: string) => string = safe): Promise<void> {
  const entries = Object.entries(counts)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit);
  await m.printTable(
    [{ header }, { header: 'Alerts', align: 'right' }],
    entries.map(([k, v]) => [label(k), String(v)]),
    '  (none)',
  );
}

/**
 * Searches every packet of the run; says first when not all of them could be searched (a live run
 * kept fewer than it saw) and when the matches were too many to list.
 */
async function search(m: Menu, match: (p: PacketRow) => boolean): Promise<PacketSearch> {
  const r = await m.backend.searchPackets(match);
  if (r.note) m.print(m.c.yellow(`Note: ${safe(r.note)}.`));
  if (r.cut > 0) m.print(m.c.yellow(`Only the first ${r.rows.length} of ${r.rows.length + r.cut} matches are listed.`));
  return r;
}

/** Protocols a search may name: the usual ones plus any the capture holds. */
function knownProtocols(m: Menu): string[] {
  const out = [...KNOWN_PROTOCOLS];
  const add = (p: string): void => {
    const s = safe(p);
    if (s && !out.some((x) => x.toLowerCase() === s.toLowerCase())) out.push(s);
  };
  for (const p of Object.keys(m.backend.protocolStats().protocols)) add(p);
  for (const p of m.backend.packets()) {
    add(p.proto);
    for (const l of p.layers ?? []) add(l);
  }
  return out;
}

/** Options 15, 16, 17: an address or block to add to a list, or -ADDR to take one off it. */
async function editList(m: Menu, list: ListName, what: string, add: (entry: string) => Promise<string>): Promise<void> {
  const edit = await m.prompt(`Address or CIDR block to add to the ${what} (-ADDR removes one): `, parseListInput);
  const said = edit.remove ? await m.backend.removeFromList(list, edit.entry) : await add(edit.entry);
  m.print(m.c.green(safe(said)));
}

function printReputation(m: Menu, r: ReputationRow): void {
  m.printFields([
    ['IP', safe(r.ip)],
    ['Status', statusText(r.status, m.c)],
    ['Score', `${r.score} (malicious at ${r.threshold})`],
    ['Alerts', String(r.alerts)],
    ['First seen', r.firstSeen === null ? 'never' : formatDateTime(r.firstSeen)],
    ['Last seen', r.lastSeen === null ? 'never' : formatDateTime(r.lastSeen)],
    ['Reasons', r.reasons.length ? r.reasons.map(safe).join('; ') : '-'],
  ]);
}

/** "1 packet", "3 packets". */
function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

// ---- the 24 options --------------------------------------------------------------------------------

type Handler = (m: Menu, arg: string) => Promise<void>;

/** Options that take text after their number: 1 a display filter, 18 an alert number or id and a pcap file. */
const OPTION_ARGS = new Set([1, 18]);

const OPTION_HANDLERS: Record<number, Handler> = {
  1: async (m, arg) => {
    const filter = parseFilterArg(arg);
    if (!filter.ok) {
      m.print(m.c.red(filter.error));
      return;
    }
    const r = await search(m, filter.value);
    if (arg) m.print(`${plural(r.rows.length + r.cut, 'packet')} of ${r.searched} match "${safe(arg)}"`);
    await showPackets(m, r.rows, arg ? 'No packets match.' : 'No packets were captured.');
  },
  2: (m) => showConnections(m, () => true, 'No connections were seen.'),
  3: async (m) => {
    const ip = await m.prompt('IP address: ', parseIpInput);
    const r = await search(m, (p) => p.src === ip || p.dst === ip);
    m.print(`${plural(r.rows.length + r.cut, 'packet')} to or from ${ip}`);
    await showPackets(m, r.rows, `No packets to or from ${ip}.`);
  },
  4: async (m) => {
    const port = await m.prompt('Port (0-65535): ', parsePortInput);
    const r = await search(m, (p) => !(p.srcPort === 0 && p.dstPort === 0) && (p.srcPort === port || p.dstPort === port));
    const service = m.backend.service(port, 'TCP') || m.backend.service(port, 'UDP');
    const name = portText(port, service);
    m.print(`${plural(r.rows.length + r.cut, 'packet')} on port ${name}`);
    await showPackets(m, r.rows, `No packets on port ${name}.`);
  },
  5: async (m) => {
    const known = knownProtocols(m);
    const proto = await m.prompt(`Protocol (${known.join(', ')}): `, (t) => parseProtocolInput(t, known));
    const want = proto.toLowerCase();
    const r = await search(m, (p) => p.proto.toLowerCase() === want || (p.layers ?? []).some((l) => l.toLowerCase() === want));
    m.print(plural(r.rows.length + r.cut, `${proto} packet`));
    await showPackets(m, r.rows, `No ${proto} packets.`);
  },
  6: (m) => showConnections(m, (c) => !c.closed, 'No active connections.'),
  7: (m) => showConnections(m, (c) => c.closed, 'No closed connections.'),
  8: async (m) => {
    const all = m.backend.connections();
    if (all.length === 0) {
      m.print('No connections were seen.');
      return;
    }
    // A list longer than a page is not paged through first: option 2 shows it with the same numbers.
    if (all.length <= m.pageSize) await m.printTable(CONNECTION_COLUMNS, connectionRows(m, all, all), '');
    else m.print(`${plural(all.length, 'connection')}; option 2 lists them with their numbers.`);
    const c = await m.prompt(`Connection number (1-${all.length}) or id: `, (t) => parseConnectionInput(t, all, (id) => m.backend.connection(id)));
    const n = all.findIndex((x) => x.id === c.id) + 1;
    m.print();
    m.print(m.c.bold(`Connection ${n > 0 ? `${n} ` : ''}(id ${safe(c.id)})`));
    m.printFields([
      ['Protocol', safe(c.proto)],
      ['Client', `${safe(c.src)} port ${c.srcPort}`],
      ['Server', `${safe(c.dst)} port ${portText(c.dstPort, c.service)}`],
      ['Service', c.service ? safe(c.service) : 'unknown'],
      ['State', `${safe(c.state)} (${c.closed ? 'closed' : 'active'})`],
      ['Started', formatDateTime(c.start) + ` (${formatClock(c.start)})`],
      ['Last packet', formatDateTime(c.last) + ` (${formatClock(c.last)})`],
      ['Duration', formatDuration(c.last - c.start)],
      ['Client to server', `${plural(c.packetsOut, 'packet')}, ${formatBytes(c.bytesOut)} (${plural(c.bytesOut, 'byte')})`],
      ['Server to client', `${plural(c.packetsIn, 'packet')}, ${formatBytes(c.bytesIn)} (${plural(c.bytesIn, 'byte')})`],
      // Community ID v1: the same flow hash Zeek, Suricata and Wireshark show, to find it in their logs.
      ...(c.communityId ? ([['Community ID', safe(c.communityId)]] as [string, string][]) : []),
    ]);
    m.print();
    const own = await search(
      m,
      (p) =>
        (p.layers ?? [p.transport ?? p.proto]).includes(c.proto) &&
        ((p.src === c.src && p.srcPort === c.srcPort && p.dst === c.dst && p.dstPort === c.dstPort) ||
          (p.src === c.dst && p.srcPort === c.dstPort && p.dst === c.src && p.dstPort === c.srcPort)),
    );
    m.print(`Its packets (${own.rows.length + own.cut}):`);
    await showPackets(m, own.rows, '  (none)');
  },
  9: async (m) => {
    const rows = m.backend.dnsQueries();
    if (rows.length) m.print(plural(rows.length, 'DNS query', 'DNS queries'));
    await m.printTable(
      [
        { header: 'Time' },
        { header: 'Client' },
        { header: 'Server' },
        { header: 'Type' },
        { header: 'Name' },
        { header: 'Rcode' },
        { header: 'Latency', align: 'right' },
        { header: 'Answers' },
      ],
      rows.map((d) => [
        formatClock(d.ts),
        safe(d.client),
        safe(d.server),
        safe(d.type),
        safe(d.name),
        d.rcode ? (d.rcode === 'NOERROR' ? safe(d.rcode) : m.c.yellow(safe(d.rcode))) : m.c.dim('no answer'),
        d.latencyMs === null ? '-' : `${d.latencyMs.toFixed(1)} ms`,
        d.answers.map(safe).join(', '),
      ]),
      'No DNS queries were seen.',
    );
  },
  10: async (m) => {
    const rows = m.backend.topDomains(TOP_DOMAINS);
    await m.printTable(
      [{ header: '#', align: 'right' }, { header: 'Domain' }, { header: 'Queries', align: 'right' }],
      rows.map((d, i) => [String(i + 1), safe(d.name), String(d.count)]),
      'No DNS queries were seen.',
    );
  },
  11: async (m) => {
    const s = m.backend.summary();
    const st = m.backend.protocolStats();
    m.printFields([
      ['Source', safe(s.source)],
      ['Packets', String(s.packets)],
      ['Bytes', `${formatBytes(s.bytes)} (${plural(s.bytes, 'byte')})`],
      ['Duration', formatDuration(s.durationMs)],
      ['Decode errors', String(s.decodeErrors)],
      // What the kernel handed over and what it had to drop (ring full): traffic no detector saw.
      ...(s.capture
        ? ([
            ['Kernel received', String(s.capture.kernel_packets)],
            ['Kernel dropped', `${s.capture.kernel_drops} (${pct(s.capture.kernel_drops, s.capture.kernel_packets)})`],
            ['Interface dropped', String(s.capture.kernel_ifdrops)],
          ] as Array<[string, string]>)
        : []),
    ]);
    m.print();
    m.print(m.c.bold('Protocols'));
    const protos = Object.entries(st.protocols)
      .filter(([, v]) => v.packets > 0)
      .sort((a, b) => b[1].packets - a[1].packets || a[0].localeCompare(b[0]));
    await m.printTable(
      [{ header: 'Protocol' }, { header: 'Packets', align: 'right' }, { header: 'Bytes', align: 'right' }, { header: '% packets', align: 'right' }],
      protos.map(([p, v]) => [safe(p), String(v.packets), String(v.bytes), pct(v.packets, s.packets)]),
      '  (no packets)',
    );
    m.print();
    m.print(m.c.bold('Top talkers'));
    await m.printTable(
      [{ header: 'IP' }, { header: 'Packets', align: 'right' }, { header: 'Bytes', align: 'right' }],
      st.topTalkers.slice(0, TOP_ROWS).map((t) => [safe(t.ip), String(t.packets), formatBytes(t.bytes)]),
      '  (none)',
    );
    m.print();
    m.print(m.c.bold('Top ports'));
    await m.printTable(
      [{ header: 'Port', align: 'right' }, { header: 'Service' }, { header: 'Proto' }, { header: 'Packets', align: 'right' }],
      st.topPorts.slice(0, TOP_ROWS).map((p) => [String(p.port), p.service ? safe(p.service) : '-', safe(p.proto), String(p.packets)]),
      '  (none)',
    );
  },
  12: (m) => m.printTable(REPUTATION_COLUMNS, reputationRows(m, m.backend.suspiciousIps()), 'No suspicious IPs.'),
  13: (m) => m.printTable(REPUTATION_COLUMNS, reputationRows(m, m.backend.maliciousIps()), 'No malicious IPs.'),
  14: async (m) => {
    const ip = await m.prompt('IP address to check: ', parseIpInput);
    printReputation(m, m.backend.reputation(ip));
  },
  15: (m) => editList(m, 'blacklist', 'blacklist', (ip) => m.backend.addToBlacklist(ip)),
  16: (m) => editList(m, 'whitelist', 'whitelist', (ip) => m.backend.addToWhitelist(ip)),
  17: (m) => editList(m, 'malicious', 'known malicious IPs', (ip) => m.backend.addMalicious(ip)),
  18: async (m, arg) => {
    const alerts = m.backend.recentAlerts(RECENT_ALERTS);
    if (arg) {
      await alertDetails(m, alerts, arg);
      return;
    }
    if (alerts.length) m.print(`The ${alerts.length} newest alert${alerts.length === 1 ? '' : 's'}, newest first:`);
    await m.printTable([{ header: '#', align: 'right' }, ...ALERT_COLUMNS], alertRows(m, alerts).map((r, i) => [String(i + 1), ...r]), 'No alerts.');
    // At a terminal the list leads on to one alert's evidence; a script types "18 N [FILE]" instead.
    if (alerts.length && m.interactive) {
      const a = await m.prompt(`Alert number (1-${alerts.length}) or id for its evidence (Enter for the menu): `, (t) => parseAlertInput(t, alerts));
      await showAlert(m, a, '');
    }
  },
  19: async (m) => {
    const s = m.backend.alertSummary();
    m.print(`Total alerts: ${s.total}`);
    if (s.total === 0) return;
    m.print();
    m.print(m.c.bold('By severity'));
    // Highest severity first, and every level shown, so that "0 CRITICAL" is visible too.
    const order = [...SEVERITIES].reverse();
    const extra = Object.keys(s.bySeverity).filter((k) => !order.includes(k as (typeof order)[number]));
    await m.printTable(
      [{ header: 'Severity' }, { header: 'Alerts', align: 'right' }],
      [...order, ...extra].map((k) => [severityText(k, m.c), String(s.bySeverity[k] ?? 0)]),
      '',
    );
    m.print();
    m.print(m.c.bold('By type'));
    await showCounts(m, 'Type', s.byType, Infinity);
    m.print();
    m.print(m.c.bold('By source'));
    await showCounts(m, 'Source IP', s.bySource, TOP_ROWS, (k) => (k === '' ? '-' : safe(k)));
  },
  20: async (m) => {
    const b = m.backend.baseline();
    if (!b) {
      m.print('No traffic baseline: anomaly detection is off or saw no traffic.');
      return;
    }
    m.printFields([
      ['State', b.learning ? m.c.yellow(`learning (${Math.round(b.progress * 100)}% of the window)`) : m.c.green('learned')],
      ['Window', `${b.windowSec} s`],
      ['Samples', `${b.samples} (one per second)`],
      ['Packets/s', `mean ${b.mean.pps.toFixed(2)}, std dev ${b.stddev.pps.toFixed(2)}`],
      ['Bytes/s', `mean ${b.mean.bps.toFixed(2)}, std dev ${b.stddev.bps.toFixed(2)}`],
    ]);
    m.print();
    await m.printTable(
      [{ header: 'Protocol' }, { header: 'Mean pkts/s', align: 'right' }, { header: 'Std dev', align: 'right' }],
      Object.entries(b.perProto).map(([p, v]) => [safe(p), v.mean.toFixed(2), v.stddev.toFixed(2)]),
      '  (no per-protocol samples yet)',
    );
  },
  22: async (m) => {
    const rules = m.backend.rules();
    await m.printTable(
      [
        { header: '#', align: 'right' },
        { header: 'Name' },
        { header: 'State' },
        { header: 'Severity' },
        { header: 'Threshold', align: 'right' },
        { header: 'Window', align: 'right' },
        { header: 'Matches', align: 'right' },
        { header: 'Condition', wrap: true },
      ],
      rules.map((r, i) => [
        String(i + 1),
        safe(r.name),
        r.enabled ? m.c.green('enabled') : m.c.dim('disabled'),
        severityText(r.severity, m.c),
        String(r.threshold),
        `${r.window} s`,
        String(r.matches),
        safe(r.condition),
      ]),
      'No custom rules are loaded.',
    );
    for (const [i, r] of rules.entries()) if (r.description) m.print(`  ${i + 1}. ${safe(r.name)}: ${safe(r.description)}`);
  },
  23: async (m) => {
    const rules = m.backend.rules();
    if (rules.length === 0) {
      m.print('No custom rules are loaded, so there is nothing to toggle.');
      return;
    }
    for (const [i, r] of rules.entries()) m.print(`  ${String(i + 1).padStart(2)}. ${safe(r.name)} (${r.enabled ? 'enabled' : 'disabled'})`);
    const rule = await m.prompt(`Rule number (1-${rules.length}) or name: `, (t) => parseRuleInput(t, rules));
    const now = await m.backend.toggleRule(rule.name);
    if (now === null) m.print(m.c.red(`Rule '${safe(rule.name)}' no longer exists (were the rules reloaded?).`));
    else m.print(`Rule '${safe(rule.name)}' is now ${now ? m.c.green('enabled') : m.c.dim('disabled')}.`);
    for (const note of m.backend.ruleNotes?.() ?? []) m.print(note.saved ? safe(note.text) : m.c.red(safe(note.text)));
  },
  24: async (m) => {
    const r = await m.backend.reloadRules();
    if (r.ok) {
      m.print(m.c.green(safe(r.message)));
      return;
    }
    // The reason spans lines (file:line:col and why, the source line, a caret under the column): each
    // is printed as a line of its own, escaped on its own, so the caret stays under its column.
    const lines = r.message.split('\n');
    const head = /^reload failed/i.test(lines[0]) ? lines.shift()! : '';
    const rules = m.backend.rules();
    const kept = rules.length === 1 ? 'the running rule stays' : `the ${rules.length} running rules stay`;
    m.print(m.c.red(`Reload failed; ${kept} (${rules.filter((x) => x.enabled).length} enabled)${head || lines.length ? ':' : '.'}`));
    for (const l of lines) m.print(safe(l));
  },
};

/**
 * Runs the menu until 21, Ctrl-D, a second Ctrl-C at the menu, or the end of piped input; then calls
 * backend.close() (which flushes everything) and resolves.
 */
export async function runMenu(backend: MenuBackend, io: MenuIo): Promise<void> {
  await new Menu(backend, io).run();
}
