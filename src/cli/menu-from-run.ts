// The menu's view of a finished run: MenuBackend implemented over the engine, reputation and rules.
import { writeFile } from 'node:fs/promises';
import { writeError } from '../capture/pcap-writer.js';
import { storedAlertPcap } from '../evidence/index.js';
import { inLogDir } from '../config/index.js';
import { escapeText, decodePacket, Packet } from '../decode/index.js';
import { serviceName, communityId, protoNumber, type ConnectionInfo } from '../flow/index.js';
import type { MenuBackend, ConnectionRow, PacketRow } from './menu/index.js';
import type { Run } from './run.js';
import { layerNames, type MenuPackets } from './menu-packets.js';

function connRow(c: ConnectionInfo): ConnectionRow {
  return { ...c, communityId: flowCommunityId(c) };
}

/** Community ID of a tracked flow (ICMP flows carry no ports to hash: none). */
export function flowCommunityId(c: { proto: string; src: string; dst: string; srcPort: number; dstPort: number }): string | undefined {
  const proto = protoNumber(c.proto);
  if (proto === null || c.proto.startsWith('ICMP')) return undefined;
  return communityId(proto, c.src, c.dst, c.srcPort, c.dstPort) || undefined;
}

export function menuBackend(run: Run, all: MenuPackets): MenuBackend {
  const { engine } = run;
  const rep = run.reputation;
  // First and last seen of an address also count this run's alerts that name it.
  rep.alertTimes = (ip: string) => {
    let first = Infinity;
    let last = -Infinity;
    for (const a of engine.funnel.recent(10_000)) {
      if (a.src_ip !== ip && a.dst_ip !== ip) continue;
      const f = Date.parse(a.timestamp);
      const l = Date.parse(a.last_seen);
      if (f < first) first = f;
      if (l > last) last = l;
    }
    return Number.isFinite(first) && Number.isFinite(last) ? { first, last } : null;
  };
  return {
    summary: () => ({
      packets: engine.packets,
      bytes: engine.stats.bytes,
      durationMs: engine.packets ? engine.now - engine.firstTime : 0,
      alerts: engine.funnel.summary().total,
      decodeErrors: engine.errors,
      source: run.source.name,
      capture: run.source.stats?.() ?? null,
    }),
    packets: (): PacketRow[] => {
      const lines = engine.packetLines();
      const p = new Packet();
      const held = engine.history.list();
      return lines.map((l, i) => {
        decodePacket(held[i].raw, held[i].n, p, null);
        return { ...l, layers: layerNames(p) };
      });
    },
    searchPackets: (match) => all.search(match),
    connections: () => [...engine.flows.closed(), ...engine.flows.active()].sort((a, b) => a.start - b.start).map(connRow),
    connection: (id: string) => {
      const c = engine.flows.get(id);
      return c ? connRow(c) : undefined;
    },
    service: (port: number, proto: string) => serviceName(port, proto.toLowerCase() === 'udp' ? 'udp' : 'tcp'),
    dnsQueries: () =>
      engine.dns.queries().map((q) => ({
        ts: q.ts,
        client: q.client,
        server: q.server,
        name: escapeText(q.name),
        type: q.type,
        rcode: q.rcode,
        answers: q.answers.map(escapeText),
        latencyMs: q.latencyMs,
      })),
    topDomains: (n: number) => engine.dns.topDomains(n).map((d) => ({ name: escapeText(d.name), count: d.count })),
    protocolStats: () => ({
      protocols: engine.stats.protocols(),
      topTalkers: engine.stats.topTalkers(10, 'bytes'),
      topPorts: engine.stats.topPorts(10),
    }),
    suspiciousIps: () => rep.suspicious(),
    // Option 13 lists promoted addresses and the blacklisted ones seen in this capture.
    maliciousIps: () => {
      const rows = rep.malicious();
      const seen = new Set(rows.map((r) => r.ip));
      for (const a of engine.funnel.recent(10_000)) {
        if (a.type !== 'BLACKLISTED_IP') continue;
        for (const ip of [a.src_ip, a.dst_ip]) {
          if (!ip || seen.has(ip)) continue;
          const row = rep.row(ip);
          if (row.status === 'blacklisted') {
            rows.push(row);
            seen.add(ip);
          }
        }
      }
      return rows;
    },
    reputation: (ip: string) => rep.row(ip),
    addToBlacklist: (ip: string) => rep.addToBlacklist(ip),
    addToWhitelist: (ip: string) => rep.addToWhitelist(ip),
    addMalicious: (ip: string) => rep.addMalicious(ip),
    removeFromList: (list, entry) => rep.removeFromList(list, entry),
    // This run's alerts first; when there are fewer than asked, older ones from the SQLite history follow.
    recentAlerts: (n: number) => {
      const mine = engine.funnel.recent(n);
      if (mine.length >= n || !run.history) return mine;
      try {
        const ids = new Set(mine.map((a) => a.id));
        const older = run.history.query({ limit: n * 2 }).filter((a) => !ids.has(a.id));
        return [...mine, ...older].slice(0, n);
      } catch {
        return mine;
      }
    },
    alertSummary: () => engine.funnel.summary(),
    baseline: () => engine.snapshot().stats.baseline,
    rules: () => (engine.rules ? engine.rules.list() : []),
    toggleRule: (name: string) => engine.toggleRule(name),
    ruleNotes: () => engine.ruleNotes(),
    reloadRules: () => engine.reloadRules(),
    close: () => run.close(),
    alertEvidence: (id: string) => engine.alertEvidence(id),
    // This run's evidence when it has the alert; an alert of an earlier run from the history's evidence table.
    // A relative file name goes to the log directory (-l), as every file the run writes.
    exportAlertPcap: async (id: string, named: string) => {
      const file = inLogDir(run.logDir, named);
      if (engine.alertEvidence(id)) {
        const r = await engine.exportAlertPcap(id, file);
        return { count: r.count, path: r.path, from: r.from === 'file' ? 'read back from the capture file' : 'the packets kept in memory' };
      }
      if (!run.history) throw new Error(`no packets of alert ${id} are held by this run, and the alert history is off`);
      await run.history.flush();
      const r = await storedAlertPcap(run.history.file, id);
      try {
        await writeFile(file, r.bytes);
      } catch (e) {
        throw writeError(file, e);
      }
      return { count: r.count, path: file, from: r.from };
    },
  };
}
