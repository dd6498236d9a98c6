// suricata-verify's test.yaml oracles: every filter on an event type must match as many EVE records.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CORPUS } from '../helpers/netguard.js';

/** Reads a dotted suricata-verify path ("dns.answers[0].rdata", "http.request_headers.__len"). */
export function getPath(obj: unknown, p: string): unknown {
  let cur: unknown = obj;
  for (const part of p.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    if (part === '__len') return Array.isArray(cur) ? cur.length : undefined;
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    cur = (cur as Record<string, unknown>)[m[1]];
    for (const idx of m[2].match(/\d+/g) ?? []) cur = Array.isArray(cur) ? cur[Number(idx)] : undefined;
  }
  return cur;
}

interface Check {
  filter?: { count: number; match: Record<string, unknown> };
}

/**
 * Every suricata-verify filter on `eventType` must match the same number of NetGuard records.
 * `ignore` lists keys NetGuard does not write (said why at the call).
 */
export function checkOracle(recs: readonly object[], oracle: string, eventType: string, ignore: string[]): number {
  const doc = parseYaml(readFileSync(path.join(CORPUS, oracle), 'utf8')) as { checks: Check[] };
  let checked = 0;
  for (const c of doc.checks) {
    if (!c.filter || c.filter.match.event_type !== eventType) continue;
    const match = Object.entries(c.filter.match).filter(([k]) => !ignore.includes(k));
    const hits = recs.filter((r) => match.every(([k, v]) => getPath(r, k) === v));
    expect(hits.length, `${oracle}: ${JSON.stringify(c.filter.match)}`).toBe(c.filter.count);
    checked++;
  }
  return checked;
}

