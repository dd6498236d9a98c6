// AlertFunnel final records: every alert is handed to onFinal exactly once when its episode closes, with
// the episode's whole evidence, its id, final: true and why it closed.
import { describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import type { Alert, Detection } from '../../src/alert/types.js';

const T0 = Date.UTC(2024, 0, 1);

function det(over: Partial<Detection> = {}): Detection {
  return {
    type: 'SYN_SCAN',
    severity: 'HIGH',
    message: 'SYN scan from 10.0.0.1: 25 ports',
    ts: T0,
    key: '10.0.0.1',
    src_ip: '10.0.0.1',
    dst_ip: '10.0.0.2',
    proto: 'TCP',
    details: { ports_seen: 25 },
    ...over,
  };
}

function funnelWithFinals(opts: { maxOpen?: number } = {}): { f: AlertFunnel; news: Alert[]; finals: Alert[] } {
  const f = new AlertFunnel({ suppressionMs: () => 60_000, maxOpen: opts.maxOpen });
  const news: Alert[] = [];
  const finals: Alert[] = [];
  f.addSink({ name: 'rec', onAlert: (a) => news.push(a), onFinal: (a) => finals.push(a) });
  return { f, news, finals };
}

describe('final records', () => {
  it("a final record's JSON has the alert's own key order: a port a later detection filled in comes last", () => {
    const { f, finals } = funnelWithFinals();
    f.raise(det({ key: 'a', src_ip: '10.0.0.1', src_port: 40000, dst_port: 22, community_id: '1:abc' }));
    f.raise(det({ key: 'b', src_ip: '10.0.0.3' }));
    f.raise(det({ key: 'b', src_ip: '10.0.0.3', ts: T0 + 10, dst_port: 80 }));
    f.closeAll();
    expect(finals.map((a) => Object.keys(a).join(','))).toEqual([
      'id,timestamp,type,severity,message,details,count,last_seen,src_ip,dst_ip,src_port,dst_port,proto,community_id,final,final_reason',
      'id,timestamp,type,severity,message,details,count,last_seen,src_ip,dst_ip,proto,dst_port,final,final_reason',
    ]);
    expect(finals[1]).toMatchObject({ count: 2, dst_port: 80, final: true, final_reason: 'end' });
  });

  it('a new alert has one key order whichever of its fields it has (flow alerts, with or without a community id, and others)', () => {
    const { f, news } = funnelWithFinals();
    f.raise(det({ key: 'flow+id', src_port: 40000, dst_port: 22, community_id: '1:abc' }));
    f.raise(det({ key: 'flow', src_port: 40000, dst_port: 22 }));
    f.raise(det({ key: 'flow, empty community id', src_port: 0, dst_port: 0, community_id: '' }));
    f.raise(det({ key: 'no ports' }));
    f.raise(det({ key: 'no source', src_ip: undefined, src_port: 1, dst_port: 2 }));
    const order = [
      'id,timestamp,type,severity,message,details,count,last_seen,src_ip,dst_ip,src_port,dst_port,proto,community_id',
      'id,timestamp,type,severity,message,details,count,last_seen,src_ip,dst_ip,src_port,dst_port,proto',
      'id,timestamp,type,severity,message,details,count,last_seen,src_ip,dst_ip,src_port,dst_port,proto',
      'id,timestamp,type,severity,message,details,count,last_seen,src_ip,dst_ip,proto',
      'id,timestamp,type,severity,message,details,count,last_seen,dst_ip,src_port,dst_port,proto',
    ];
    // The funnel's own alerts (recent(), newest first) and the copies the sinks got.
    expect(f.recent().reverse().map((a) => Object.keys(a).join(','))).toEqual(order);
    expect(news.map((a) => Object.keys(a).join(','))).toEqual(order);
    expect(news[0]).toMatchObject({ count: 1, src_port: 40000, dst_port: 22, proto: 'TCP', community_id: '1:abc', timestamp: news[0].last_seen });
  });

  it('an episode that ends by its suppression interval gets one final record with the last evidence', () => {
    const { f, news, finals } = funnelWithFinals();
    f.raise(det());
    f.raise(det({ ts: T0 + 1000, message: 'SYN scan from 10.0.0.1: 1000 ports', details: { ports_seen: 1000 } }));
    f.onTick(T0 + 60_000);
    expect(finals).toEqual([]);
    f.onTick(T0 + 61_001);
    expect(finals).toHaveLength(1);
    const fin = finals[0];
    expect(fin.id).toBe(news[0].id);
    expect(fin.final).toBe(true);
    expect(fin.final_reason).toBe('timeout');
    expect(fin.count).toBe(2);
    expect(fin.message).toBe('SYN scan from 10.0.0.1: 1000 ports');
    expect(fin.details.ports_seen).toBe(1000);
    expect(fin.last_seen).toBe(new Date(T0 + 1000).toISOString());
    // The record written when the alert was raised is unchanged and carries no final mark.
    expect(news[0].final).toBeUndefined();
    expect(news[0].details.ports_seen).toBe(25);
    // Closed once only: later ticks and closeAll() add nothing.
    f.onTick(T0 + 200_000);
    f.closeAll();
    expect(finals).toHaveLength(1);
    // The funnel's own alert (the views read it) is not marked.
    expect(f.recent()[0].final).toBeUndefined();
  });

  it('closeAll() at the end of a capture closes every open episode once, in the order they opened', () => {
    const { f, news, finals } = funnelWithFinals();
    f.raise(det());
    f.raise(det({ key: '10.0.0.9', src_ip: '10.0.0.9', ts: T0 + 5 }));
    f.raise(det({ type: 'SQL_INJECTION', key: 'x', ts: T0 + 7 }));
    f.closeAll();
    expect(finals.map((a) => a.id)).toEqual(news.map((a) => a.id));
    expect(finals.every((a) => a.final === true && a.final_reason === 'end')).toBe(true);
    expect(f.openEpisodes()).toBe(0);
    f.closeAll();
    expect(finals).toHaveLength(3);
  });

  it('an escalation closes the lower alert (escalated) and the new alert closes later on its own', () => {
    const { f, news, finals } = funnelWithFinals();
    f.raise(det({ severity: 'WARNING' }));
    f.raise(det({ severity: 'HIGH', ts: T0 + 10 }));
    expect(news).toHaveLength(2);
    expect(finals.map((a) => [a.id, a.severity, a.final_reason])).toEqual([[news[0].id, 'WARNING', 'escalated']]);
    f.closeAll();
    expect(finals.map((a) => [a.id, a.final_reason])).toEqual([
      [news[0].id, 'escalated'],
      [news[1].id, 'end'],
    ]);
  });

  it('at the open-episode cap, episodes whose interval has passed close as timeout and the rest as evicted, whatever sweeps found nothing before', () => {
    // Episodes of two intervals (1 s and 60 s) and repeats that keep some alive, fed past a cap of 8 many
    // times over: every episode's reason must be the one its times give (reference: its own last detection).
    const f = new AlertFunnel({ suppressionMs: (t) => (t === 'SUSPICIOUS_PORT' ? 1000 : 60_000), maxOpen: 8 });
    const finals: Alert[] = [];
    f.addSink({ name: 'rec', onFinal: (a) => finals.push(a) });
    let seed = 11;
    const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let ts = T0;
    const byId = new Map<string, { type: string; key: string }>();
    for (let i = 0; i < 3000; i++) {
      ts += Math.floor(next() * 40);
      const type = next() < 0.5 ? 'SUSPICIOUS_PORT' : 'SYN_SCAN';
      const key = `10.0.${Math.floor(next() * 4)}.${Math.floor(next() * 12)}`;
      const a = f.raise(det({ type, key, src_ip: key, ts }));
      if (a) byId.set(a.id, { type, key });
      // Check each final record as it comes: when it closed, its own last detection says why.
      for (const fin of finals.splice(0)) {
        const e = byId.get(fin.id)!;
        const hold = e.type === 'SUSPICIOUS_PORT' ? 1000 : 60_000;
        const ended = ts - Date.parse(fin.last_seen) > hold;
        expect(fin.final_reason, `${fin.id} at ${ts - T0}`).toBe(ended ? 'timeout' : 'evicted');
      }
    }
    expect(byId.size).toBeGreaterThan(100);
  });

  it('episodes closed by the open-episode cap and by clear() get their final records', () => {
    const { f, news, finals } = funnelWithFinals({ maxOpen: 4 });
    for (let i = 0; i < 5; i++) f.raise(det({ key: `10.0.1.${i}`, src_ip: `10.0.1.${i}`, ts: T0 + i }));
    // The fifth opened with the cap reached: the oldest half (2) closed to make room.
    expect(finals.map((a) => [a.id, a.final_reason])).toEqual([
      [news[0].id, 'evicted'],
      [news[1].id, 'evicted'],
    ]);
    f.clear();
    expect(finals.slice(2).map((a) => [a.id, a.final_reason])).toEqual([
      [news[2].id, 'cleared'],
      [news[3].id, 'cleared'],
      [news[4].id, 'cleared'],
    ]);
  });
});
