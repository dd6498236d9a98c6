// Community ID v1 against the published vectors of corelight/community-id-spec.
import { describe, expect, it } from 'vitest';
import { communityId, communityIdAndFlowId, communityIdDigest, communityIdOfPacket, flowIdOf } from '../../src/flow/community-id.js';
import { IPPROTO_TCP, LAYER_ICMP, LAYER_IPV4, LAYER_TCP, Packet } from '../../src/decode/packet.js';
import { parseIpv4 } from '../../src/decode/addr.js';

type Vec = [proto: number, src: string, dst: string, sport: number | null, dport: number | null, expected: string];

// Source: corelight/community-id-spec baseline/baseline_deflt.json (commit c4ec2bc4), produced by
// pycommunityid's community-id-pcap over pcaps/combined.pcap.gz. ICMP rows carry type/code as ports.
const BASELINE_DEFAULT: Vec[] = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 136, 135, '1:dGHyGvjMfljg6Bppwm3bg0LO8TY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:zavyT/cezQr1fmImYCwYnMXbgck='],
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 136, 135, '1:zavyT/cezQr1fmImYCwYnMXbgck='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:2ObVBgIn28oZvibYZhZMBgh7WdQ='],
  [58, '3ffe:501:410:0:2c0:dfff:fe47:33e', '3ffe:507:0:1:200:86ff:fe05:80da', 1, 4, '1:hLZd0XGWojozrvxqE0dWB1iM6R0='],
  [58, '3ffe:507:0:1:200:86ff:fe05:80da', '3ffe:501:0:1001::2', 128, 129, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg='],
  [58, '3ffe:501:0:1001::2', '3ffe:507:0:1:200:86ff:fe05:80da', 129, 128, '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg='],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:pkvHqCL88/tg1k4cPigmZXUtL00='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  [1, '192.168.0.1', '192.168.0.89', 0, 8, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:YHxtAirCG//0OzkcVAukqKQN9xM='],
  [6, '2001:470:e5bf:dead:4957:2174:e82c:4887', '2607:f8b0:400c:c03::1a', 63943, 25, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4='],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:LQU9qZlK+B5F3KDmev6m5PMibrg='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:d/FP5EW3wiY1vCndhwleRRKHowQ='],
  [46, '10.1.12.1', '10.1.12.2', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
  [46, '10.1.12.2', '10.1.12.1', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw='],
];

// Source: corelight/community-id-spec baseline/baseline_seed1.json (same tuples, --seed 1).
const BASELINE_SEED1: Vec[] = [
  [58, 'fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 135, 136, '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY='],
  [58, 'fe80::260:97ff:fe07:69ea', 'fe80::200:86ff:fe05:80da', 135, 136, '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM='],
  [58, '3ffe:501:1800:2345::2', '3ffe:507:0:1:200:86ff:fe05:80da', 3, 0, '1:lVEtCZpYu84Xqaa++3lXFyuu2n4='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:K/ee5UCqAMAQXDorP5nSa2CGLjc='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:XjUibYHaafLQ3pxQeiMI8g25q20='],
  [6, '2607:f8b0:400c:c03::1a', '2001:470:e5bf:dead:4957:2174:e82c:4887', 25, 63943, '1:eJYTW6AOzFLlSUoESovMjnu7rMw='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [46, '10.1.12.2', '10.1.12.1', null, null, '1:rYir8gphR31noO9iDRQmF/BteEI='],
];

// Source: corelight/community-id-spec baseline/README.md, "Default settings", "A custom seed=1
// value" and "No base64-encoding" tables (seed 0 and 1, and the hex digest).
const README_TABLE: Array<[number, string, string, number | null, number | null, string, string, string]> = [
  [6, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:wCb3OG7yAFWelaUydu0D+125CLM=', '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=', 'c026f7386ef200559e95a53276ed03fb5db908b3'],
  [6, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:wCb3OG7yAFWelaUydu0D+125CLM=', '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=', 'c026f7386ef200559e95a53276ed03fb5db908b3'],
  [17, '1.2.3.4', '5.6.7.8', 1122, 3344, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=', '1:OShq+iKDAMVouh/4bMxB9Sz4amw=', 'd0cbbd227431eb3e1988264cffb1d78b658c84e8'],
  [132, '5.6.7.8', '1.2.3.4', 3344, 1122, '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=', '1:uitchpn5MMGAQKBJh7bIr/bAr7s=', '10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f'],
  [1, '1.2.3.4', '5.6.7.8', 8, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=', '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=', '72ba1d4472f6144b078dbbf752446b7dbb386d9d'],
  [1, '5.6.7.8', '1.2.3.4', 0, 0, '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=', '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=', '72ba1d4472f6144b078dbbf752446b7dbb386d9d'],
  [1, '1.2.3.4', '5.6.7.8', 11, 0, '1:f/YiSyWqczrTgfUCZlBUnvHRcPk=', '1:1DD7cWGC/Yg91YGsQeni8du3pIA=', '7ff6224b25aa733ad381f5026650549ef1d170f9'],
  [58, 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D', 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D', 128, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=', '1:IO27GQzPuCtNnwFvjWALMHu5tJE=', 'd1b7fb872309530b777cc103ef3f0b21f46905ea'],
  [58, 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D', 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D', 129, 0, '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=', '1:IO27GQzPuCtNnwFvjWALMHu5tJE=', 'd1b7fb872309530b777cc103ef3f0b21f46905ea'],
  [58, 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D', 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D', 146, 0, '1:fYC8+pz24E+EhANP1EZhpX0Dw10=', '1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=', '7d80bcfa9cf6e04f8484034fd44661a57d03c35d'],
  [46, '1.2.3.4', '5.6.7.8', null, null, '1:ikv3kmf89luf73WPz1jOs49S768=', '1:/buhqeOmaRCopOZFy9HnoJd5XW8=', '8a4bf79267fcf65b9fef758fcf58ceb38f52efaf'],
  [46, 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D', 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D', null, null, '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=', '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=', 'c10ff69b0ae75cfe259897077462f978f8d1f9ed'],
];

describe('communityId', () => {
  it.each(BASELINE_DEFAULT)('baseline_deflt: proto %i %s -> %s (%s/%s)', (proto, src, dst, sp, dp, expected) => {
    expect(communityId(proto, src, dst, sp ?? 0, dp ?? 0)).toBe(expected);
  });

  it.each(BASELINE_SEED1)('baseline_seed1: proto %i %s -> %s (%s/%s)', (proto, src, dst, sp, dp, expected) => {
    expect(communityId(proto, src, dst, sp ?? 0, dp ?? 0, 1)).toBe(expected);
  });

  it.each(README_TABLE)('README table: proto %i %s -> %s (%s/%s)', (proto, src, dst, sp, dp, deflt, seed1, hex) => {
    expect(communityId(proto, src, dst, sp ?? 0, dp ?? 0)).toBe(deflt);
    expect(communityId(proto, src, dst, sp ?? 0, dp ?? 0, 1)).toBe(seed1);
    expect(communityIdDigest(proto, src, dst, sp ?? 0, dp ?? 0)).toBe(hex);
  });

  it('gives the same ids in any call order (the hash input buffers are shared between calls)', () => {
    // Every vector with and without ports, IPv4 and IPv6, interleaved in a seeded random order and with
    // a failing call between: a byte left over from the previous input would change the digest.
    const all: Array<[number, string, string, number, number, number, string]> = [
      ...BASELINE_DEFAULT.map(([p, s, d, sp, dp, e]) => [p, s, d, sp ?? 0, dp ?? 0, 0, e] as [number, string, string, number, number, number, string]),
      ...BASELINE_SEED1.map(([p, s, d, sp, dp, e]) => [p, s, d, sp ?? 0, dp ?? 0, 1, e] as [number, string, string, number, number, number, string]),
    ];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const [p, s, d, sp, dp, sd, e] = all[rnd(all.length)];
      expect(communityId(p, s, d, sp, dp, sd)).toBe(e);
      if (round % 7 === 0) expect(communityId(6, '::1', '1.2.3.4', 1, 2)).toBe('');
    }
  });

  it('accepts IPv4 as the decoder keeps it (a 32-bit number)', () => {
    const n = parseIpv4('128.232.110.120');
    expect(n).not.toBeNull();
    expect(communityId(6, n as number, '66.35.250.204', 34855, 80)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  });

  it('returns "" for unparsable or mixed-family addresses', () => {
    expect(communityId(6, 'not-an-ip', '1.2.3.4', 1, 2)).toBe('');
    expect(communityId(6, '::1', '1.2.3.4', 1, 2)).toBe('');
  });

  it('communityIdOfPacket reads the decoded packet (TCP and ICMP)', () => {
    const p = new Packet();
    p.ipVersion = 4;
    p.layers = LAYER_IPV4 | LAYER_TCP;
    p.ipProto = IPPROTO_TCP;
    p.ipSrc = parseIpv4('66.35.250.204') as number;
    p.ipDst = parseIpv4('128.232.110.120') as number;
    p.srcPort = 80;
    p.dstPort = 34855;
    expect(communityIdOfPacket(p)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    p.reset();
    p.ipVersion = 4;
    p.layers = LAYER_IPV4 | LAYER_ICMP;
    p.ipProto = 1;
    p.ipSrc = parseIpv4('192.168.0.1') as number;
    p.ipDst = parseIpv4('192.168.0.89') as number;
    p.icmpType = 0;
    p.icmpCode = 0;
    expect(communityIdOfPacket(p)).toBe('1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
    p.reset();
    expect(communityIdOfPacket(p)).toBe('');
  });

  it('flowIdOf is the same both ways, differs between flows and stays a safe integer', () => {
    const a = flowIdOf(6, '10.0.0.1', '10.0.0.2', 1234, 80);
    expect(a).toBe(flowIdOf(6, '10.0.0.2', '10.0.0.1', 80, 1234));
    expect(a).not.toBe(flowIdOf(6, '10.0.0.1', '10.0.0.2', 1235, 80));
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(a).toBeGreaterThan(0);
  });

  it('flowIdOf is 20 bits of the digest\'s first word then its second word (salted by the seed), whichever way it reads the digest', () => {
    const tuples: Array<[number, string, string, number, number, number]> = [
      [6, '10.0.0.1', '10.0.0.2', 1234, 80, 0],
      [17, '192.168.1.255', '8.8.8.8', 53, 40000, 0],
      [1, '10.1.1.1', '10.1.1.2', 8, 0, 7],
      [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, 0],
      [6, '2001:db8::1', '2001:db8::ffff', 443, 65535, 65535],
    ];
    for (const [proto, s, d, sp, dp, salt] of tuples) {
      const digest = Buffer.from(communityIdDigest(proto, s, d, sp, dp, salt)!, 'hex');
      expect(flowIdOf(proto, s, d, sp, dp, salt)).toBe((digest.readUInt32BE(0) & 0xfffff) * 0x100000000 + digest.readUInt32BE(4));
    }
    expect(flowIdOf(6, '10.0.0.1', 'fe80::1', 1, 2)).toBe(0);
  });

  it('communityIdAndFlowId gives communityId and flowIdOf of a tuple from one digest', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const v4 = (): string => `${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
    const v6 = (): string => `2001:db8:${rnd(65536).toString(16)}::${rnd(65536).toString(16)}`;
    for (let i = 0; i < 2000; i++) {
      const six = i % 5 === 0;
      const proto = [6, 17, 1, 58, 132, 47][rnd(6)];
      const s = six ? v6() : v4();
      const d = six ? v6() : v4();
      const sp = rnd(65536);
      const dp = rnd(65536);
      const both = communityIdAndFlowId(proto, s, d, sp, dp);
      expect(both.cid).toBe(communityId(proto, s, d, sp, dp));
      expect(both.fid).toBe(flowIdOf(proto, s, d, sp, dp));
    }
    // Addresses of two families: no digest, as communityId and flowIdOf say.
    expect(communityIdAndFlowId(6, '10.0.0.1', 'fe80::1', 1, 2)).toEqual({ cid: '', fid: 0 });
  });
});
