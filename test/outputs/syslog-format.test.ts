// RFC 5424 message format of the syslog sink: PRI, header fields, structured data escaping, MSG.
import { describe, expect, it } from 'vitest';
import { escapeParamValue, facilityCode, formatSyslog, SD_ID } from '../../src/alert/sinks/syslog.js';
import type { Alert } from '../../src/alert/types.js';

const ALERT: Alert = {
  id: '1763640000000-7',
  timestamp: '2026-11-20T12:00:00.250Z',
  type: 'XMAS_SCAN',
  severity: 'HIGH',
  message: 'Xmas scan from 198.51.100.23\nsecond line',
  src_ip: '198.51.100.23',
  dst_ip: '10.0.0.5',
  dst_port: 22,
  proto: 'TCP',
  details: {},
  count: 3,
  last_seen: '2026-11-20T12:00:01.000Z',
  community_id: '1:abc=',
};

/** RFC 5424 §6 SYSLOG-MSG, header and one SD-ELEMENT, as a regular expression. */
const RFC5424 = /^<(\d{1,3})>1 (\S+) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (\[[^ \]=]+(?: [^ =\]"]{1,32}="(?:[^"\\\]]|\\["\\\]])*")*\]) (.*)$/;

describe('formatSyslog', () => {
  const opts = { facility: facilityCode('local0'), hostname: 'ids-1', appName: 'netguard', procId: '4242' };

  it('writes an RFC 5424 message with PRI = facility*8 + severity', () => {
    const m = RFC5424.exec(formatSyslog(ALERT, opts));
    expect(m).not.toBeNull();
    const [, pri, ts, host, app, procid, msgid, sd, msg] = m as RegExpExecArray;
    expect(Number(pri)).toBe(16 * 8 + 3); // local0, err
    expect(ts).toBe('2026-11-20T12:00:00.250Z');
    expect([host, app, procid, msgid]).toEqual(['ids-1', 'netguard', '4242', 'XMAS_SCAN']);
    expect(sd).toBe(`[${SD_ID} id="1763640000000-7" type="XMAS_SCAN" severity="HIGH" src_ip="198.51.100.23" dst_ip="10.0.0.5" dst_port="22" proto="TCP" count="3" community_id="1:abc="]`);
    // A newline in the message would split the record under LF framing: it is escaped.
    expect(msg).toBe('Xmas scan from 198.51.100.23\\nsecond line');
  });

  it('maps every severity and facility', () => {
    const pri = (severity: Alert['severity'], f: string): number => Number(/^<(\d+)>/.exec(formatSyslog({ ...ALERT, severity }, { ...opts, facility: facilityCode(f) }))?.[1]);
    expect([pri('CRITICAL', 'local0'), pri('HIGH', 'local0'), pri('WARNING', 'local0'), pri('LOW', 'local0')]).toEqual([130, 131, 132, 133]);
    expect(pri('CRITICAL', 'auth')).toBe(4 * 8 + 2);
    expect(pri('LOW', 'local7')).toBe(23 * 8 + 5);
    expect(() => facilityCode('nonsense')).toThrow(/unknown facility "nonsense"/);
  });

  it('escapes ", \\ and ] in parameter values', () => {
    expect(escapeParamValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    const m = formatSyslog({ ...ALERT, community_id: 'x"]\\' }, opts);
    expect(m).toContain('community_id="x\\"\\]\\\\\\\\"');
    expect(RFC5424.test(m)).toBe(true);
  });

  it('replaces spaces and non-ASCII in header fields and never leaves one empty', () => {
    const m = formatSyslog(ALERT, { ...opts, hostname: 'my host', appName: '' });
    expect(m).toContain(' my_host - 4242 XMAS_SCAN ');
  });
});
