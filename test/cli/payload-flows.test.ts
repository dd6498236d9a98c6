// A payload alert belongs to its flow: two SQL-injection requests from one client on two connections are
// two alerts, each with its own request, 5-tuple and Community ID, and in EVE each alert carries the
// flow_id of its own connection (the one its http record has).
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { jsonLines, runNetguard, type RunResult } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { httpGet, writePcap } from '../web/frames.js';
import { communityId } from '../../src/flow/community-id.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const CLIENT = '10.3.0.5';
const SERVER = '10.3.0.80';
const FLOWS = [
  { sport: 41001, uri: "/a.php?id=1'%20OR%20'1'='1" },
  { sport: 41002, uri: '/b.php?id=2%20UNION%20SELECT%20password%20FROM%20users' },
];

interface Rec {
  id: string;
  type: string;
  src_port?: number;
  dst_port?: number;
  community_id?: string;
  final?: boolean;
  details: { uri?: string };
}

interface EveRec {
  event_type: string;
  flow_id?: number;
  src_port?: number;
  community_id?: string;
  http?: { url?: string };
  alert?: { metadata: Record<string, string[]> };
}

const tempDir = tempDirs('ng-flows-');
let dir = '';
let r: RunResult;

beforeAll(async () => {
  dir = tempDir({ 'settings.yaml': 'alerts:\n  enable_notifications: false\noutputs:\n  eve:\n    enabled: true\n' });
  // The second connection starts half a second after the first, well within the suppression interval.
  writePcap(path.join(dir, 'sqli.pcap'), [...httpGet(T0, CLIENT, SERVER, FLOWS[0].uri, FLOWS[0].sport), ...httpGet(T0 + 500, CLIENT, SERVER, FLOWS[1].uri, FLOWS[1].sport)]);
  r = await runNetguard(['--batch', '-r', 'sqli.pcap'], { cwd: dir });
}, 120_000);

describe('two SQL-injection flows', () => {
  it('give two alerts, each with its own request, ports and Community ID', () => {
    expect(r.code, r.stderr).toBe(0);
    const sqli = jsonLines<Rec>(r.stdout).filter((a) => a.type === 'SQL_INJECTION' && !a.final);
    expect(sqli).toHaveLength(2);
    expect(new Set(sqli.map((a) => a.id)).size).toBe(2);
    for (const [i, f] of FLOWS.entries()) {
      const a = sqli[i];
      expect(a.src_port).toBe(f.sport);
      expect(a.dst_port).toBe(80);
      expect(a.details.uri).toBe(f.uri);
      expect(a.community_id).toBe(communityId(6, CLIENT, SERVER, f.sport, 80));
    }
    expect(sqli[0].community_id).not.toBe(sqli[1].community_id);
    // The final records keep each alert's own flow too.
    const finals = jsonLines<Rec>(r.stdout).filter((a) => a.type === 'SQL_INJECTION' && a.final);
    expect(finals.map((a) => [a.id, a.src_port, a.details.uri])).toEqual(sqli.map((a) => [a.id, a.src_port, a.details.uri]));
  });

  it('EVE: each alert has the flow_id and community_id of its own connection', () => {
    const eve = jsonLines<EveRec>(readFileSync(path.join(dir, 'eve.json'), 'utf8'));
    const alerts = eve.filter((e) => e.event_type === 'alert' && e.alert!.metadata.netguard_type[0] === 'SQL_INJECTION' && e.alert!.metadata.netguard_final === undefined);
    expect(alerts).toHaveLength(2);
    for (const f of FLOWS) {
      const http = eve.find((e) => e.event_type === 'http' && e.src_port === f.sport);
      expect(http, `no http record for port ${f.sport}`).toBeDefined();
      const alert = alerts.find((e) => e.src_port === f.sport);
      expect(alert, `no alert for port ${f.sport}`).toBeDefined();
      expect(alert!.flow_id).toBe(http!.flow_id);
      expect(alert!.community_id).toBe(http!.community_id);
    }
    expect(alerts[0].flow_id).not.toBe(alerts[1].flow_id);
  });
});
