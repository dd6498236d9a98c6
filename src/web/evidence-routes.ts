// The alert page's API: /api/alerts/:id/evidence (the alert, its kept packets filtered by a display
// filter, its flows and counts) and /api/alerts/:id/pcap (its packets as a pcap download), from the
// running engine or, for an alert of an earlier run, from the history's evidence table.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { EngineControl } from '../engine/types.js';
import { EvidenceGone, storedAlertPcap } from '../evidence/index.js';
import { readStoredEvidence, type AlertHistory } from '../history/index.js';
import { DisplayFilterError, parseDisplayFilter } from '../rules/index.js';

/** A file name for the download: the id with anything unsafe replaced. */
function fileName(id: string): string {
  return `alert-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.pcap`;
}

export function registerEvidenceRoutes(app: FastifyInstance, control: EngineControl, history: AlertHistory | null | undefined): void {
  app.get('/api/alerts/:id/evidence', async (req, reply) => {
    const { id } = req.params as { id: string };
    const raw = (req.query as { filter?: unknown }).filter;
    const text = typeof raw === 'string' ? raw : '';
    let keep;
    try {
      keep = parseDisplayFilter(text);
    } catch (e) {
      if (e instanceof DisplayFilterError) return reply.code(400).send({ error: `display filter: ${e.message}`, column: e.column, width: e.width, excerpt: e.excerpt });
      throw e;
    }
    const alert = control.snapshot().alerts.find((a) => a.id === id) ?? null;
    const ev = control.alertEvidence ? control.alertEvidence(id) : null;
    if (alert || ev) {
      const packets = ev ? ev.packets.filter(keep) : [];
      return { alert, evidence: ev ? { ...ev, packets } : null, total: ev?.packets.length ?? 0, run: 'this' };
    }
    // An alert of an earlier run: what the history says about it and its stored evidence.
    if (history && history.enabled) {
      await history.flush();
      const s = readStoredEvidence(history.file, id);
      if (s.alert) {
        return {
          alert: { id, type: s.alert.type, timestamp: new Date(s.alert.ts).toISOString(), message: s.alert.message },
          stored: s.evidence ? { source: s.evidence.source, kind: s.evidence.source_kind, seen: s.evidence.seen, flows: JSON.parse(s.evidence.flows) as unknown[] } : null,
          evidence: null,
          run: 'earlier',
        };
      }
    }
    return reply.code(404).send({ error: `no alert ${id} in this run or the history` });
  });

  app.get('/api/alerts/:id/pcap', async (req, reply) => {
    const { id } = req.params as { id: string };
    const send = (bytes: Buffer): unknown =>
      reply.type('application/vnd.tcpdump.pcap').header('content-disposition', `attachment; filename="${fileName(id)}"`).send(bytes);
    if (control.exportAlertPcap && control.alertEvidence?.(id)) {
      const dir = await mkdtemp(path.join(tmpdir(), 'netguard-alert-'));
      try {
        const file = path.join(dir, fileName(id));
        await control.exportAlertPcap(id, file);
        return send(await readFile(file));
      } catch (e) {
        return reply.code(404).send({ error: (e as Error).message });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    if (history && history.enabled) {
      await history.flush();
      try {
        return send((await storedAlertPcap(history.file, id)).bytes);
      } catch (e) {
        if (e instanceof EvidenceGone) return reply.code(e.notFound ? 404 : 410).send({ error: e.message });
        return reply.code(500).send({ error: (e as Error).message });
      }
    }
    return reply.code(404).send({ error: `no packets are kept for alert ${id}` });
  });
}
