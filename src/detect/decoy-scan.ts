// DecoyScanDetector: one port scan sent from several source addresses at once (nmap -D), raised once as
// DECOY_SCAN naming every source, the ports, and the source most likely to be the real scanner.
//
// Knobs (settings.yaml, `thresholds`):
//   decoy_ports       10   distinct ports a source must probe in lockstep with another source
//   decoy_sources      2   sources in lockstep against one target that make a decoy scan
//   decoy_lockstep     1   seconds within which another source's probe of the same port is a copy
//   slow_scan_idle  1800   seconds of silence after which a target's decoy state is forgotten
// Caps: MAX_TARGETS targets, the last RING probes of each, MAX_PAIRS (source, target) pairs and
// MAX_SIGNALS side observations (ARP, ping, DNS), all in fixed tables; the oldest go first.
//
// Lockstep: nmap sends every probe once per decoy, back to back: the same target port, probe type,
// source port, sequence number and IP ID from every address, only the source address and the (random)
// TTL differing (measured with nmap 7.93). So a probe counts as copied when one of the last RING probes
// to its target was the same port and probe type from another source, within decoy_lockstep. A source
// is a member of a decoy scan when at least decoy_ports distinct ports of its probes were copied and at
// least half of its probes were; decoy_sources members make the alert. Two scanners that merely run
// at the same time probe ports in their own (nmap: random) orders, so they rarely copy each other;
// many clients connecting to one service copy each other on one port only, and their SYNs are an OS
// stack's (window scale, SACK, timestamps), which cannot forge a source address. Probes: raw-style TCP
// SYNs, FIN, NULL and XMAS, and UDP, for IPv4 and IPv6; fragmented probes arrive reassembled.
//
// The real source: decoys are forged, so only the real host's own stack reacts to the target. Each
// member scores points for what it did that a forged address does not (weights in SCORES): its kernel
// answered the target's SYN/ACKs with RST (nmap's raw-socket probes are unknown to it), it completed
// handshakes, it resolved the target by ARP or pinged it, it answered ARP or neighbour discovery
// (alive on the link), it got answers from the target while others got none, its probe TTLs differ
// from everyone else's, it sent DNS queries. The highest score, if it is the only one, is the likely
// real source; otherwise the alert says the decoys cannot be told apart on this capture.
//
// The scan and syn-flood detectors ask this one (DetectorContext.decoyMember) before raising, so a
// decoy scan raises no per-source SYN_SCAN (FIN_SCAN, ...) and no SYN_FLOOD. One alert per target, its
// evidence growing at most once a second; no allocation per packet (typed arrays indexed by slots).
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import * as pk from '../decode/packet.js';
import type { Detector, DetectorContext, Raise } from './types.js';
import * as codes from './probe-codes.js';
import * as ranges from './port-ranges.js';
import * as state from './state/index.js';
import { addrText, iso } from './format.js';
import { thresholds } from './thresholds.js';

// Module-local copies of the constants the packet path uses: optimized code reads an imported binding
// through its module cell and tests it for the temporal dead zone at every use (V8 does not fold it),
// and folds a local const to its value.
const {
  IPPROTO_ICMP, LAYER_ARP, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST,
  TCP_SYN, TCP_URG,
} = pk;
const { K_FIN, K_NULL, K_SYN, K_UDP, K_XMAS, KIND_NAMES } = codes;
const { PORT_WORDS, countPorts, listPorts, portRanges, setPort } = ranges;
const { AddrTable, addrHash, NO_ADDR_HASH } = state;

/** Targets with lockstep state. */
const MAX_TARGETS = 256;
/** Probes remembered per target (nmap sends one copy per decoy back to back; up to RING - 1 are matched). */
const RING = 16;
/** (source, target) pairs with lockstep evidence. */
const MAX_PAIRS = 2048;
/** Bits of each pair's hashed set of copied ports (distinct-port count; a collision only undercounts). */
const PAIR_BITS = 1024;
const PAIR_WORDS = PAIR_BITS / 32;
/** Side observations (ARP, ping, neighbour discovery, DNS) remembered. */
const MAX_SIGNALS = 1024;
/** Most sources named in one alert. */
const MAX_NAMED = 128;
const UPDATE_MS = 1000;
const SWEEP_MS = 30_000;

/** Side observations (the x of the signal table's key). */
const SIG_RESOLVE = 1;
const SIG_PING = 2;
const SIG_ALIVE = 3;
const SIG_DNS = 4;

/** Points toward "real source" per observation, and what each says in the alert. */
const SCORES = {
  resets: [4, "its kernel answered the target's SYN/ACKs with RST (raw-socket probes are unknown to it)"],
  handshakes: [3, 'it completed TCP handshakes with the target'],
  resolved: [3, "it resolved the target's address by ARP"],
  pinged: [2, 'it pinged the target'],
  alive: [2, 'it answered ARP or neighbour discovery (alive on the link)'],
  answered: [2, 'the target answered it, not the others (their answers went nowhere)'],
  ttl: [1, "its probes' TTLs differ from every other source's"],
  dns: [1, 'it sent DNS queries'],
} as const;
type Signal = keyof typeof SCORES;

const FLAGS6 = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG;
const XMAS = TCP_FIN | TCP_PSH | TCP_URG;

export interface DecoyScanDetector extends Detector {
  status(): { targets: number; pairs: number; members: number; signals: number; evictedPairs: number };
}

export function createDecoyScanDetector(settings: Settings, raise: Raise, ctx?: DetectorContext): DecoyScanDetector {
  const k = thresholds(settings);
  const lockMs = k.decoy_lockstep * 1000;
  const idleMs = k.slow_scan_idle * 1000;
  const windowMs = k.scan_window * 1000;
  const needPorts = k.decoy_ports;
  const needSources = k.decoy_sources;

  // Targets: key (target); a ring of its last RING probes and the episode's counters.
  const tgt = new AddrTable(MAX_TARGETS);
  const nt = tgt.slots;
  const rS4 = new Int32Array(nt * RING);
  const rS6: string[] = new Array<string>(nt * RING).fill('');
  const rPort = new Int32Array(nt * RING);
  const rKind = new Uint8Array(nt * RING);
  const rTs = new Float64Array(nt * RING);
  /** Ring entry already credited as a copy. */
  const rCred = new Uint8Array(nt * RING);
  /** Ring entry's probe counted in its pair (the pair existed when it was sent). */
  const rCounted = new Uint8Array(nt * RING);
  const rTtl = new Uint8Array(nt * RING);
  const rIpId = new Int32Array(nt * RING);
  const rHead = new Uint8Array(nt);
  const rLen = new Uint8Array(nt);
  const tEpoch = new Float64Array(nt);
  const tFirst = new Float64Array(nt);
  const tLast = new Float64Array(nt);
  const tMembers = new Int32Array(nt);
  const tRaised = new Uint8Array(nt);
  const tLastRaise = new Float64Array(nt);
  const tChanged = new Uint8Array(nt);
  const tCopies = new Float64Array(nt);
  const tSameId = new Float64Array(nt);
  const tV4Copies = new Float64Array(nt);
  const tKinds = new Uint8Array(nt);
  /** Copied ports of the target (made at its first copy, kept for the slot's next targets). */
  const tPorts: Array<Uint32Array | undefined> = new Array<Uint32Array | undefined>(nt).fill(undefined);
  /** 1 while tPorts[t] may hold a bit: a reset clears the 8 KiB only then (the targets of DNS answers,
   *  one per client, churn through the 256 slots, and nearly all reset a bitmap that is already clear). */
  const tPortsSet = new Uint8Array(nt);
  let epochs = 0;

  // Pairs: key (source, target).
  const prs = new AddrTable(MAX_PAIRS);
  const np = prs.slots;
  const pTgt = new Int32Array(np);
  const pEpoch = new Float64Array(np);
  const pProbes = new Float64Array(np);
  const pCopied = new Float64Array(np);
  const pPorts = new Int32Array(np);
  const pBits = new Uint32Array(np * PAIR_WORDS);
  const pTtlMin = new Int32Array(np);
  const pTtlMax = new Int32Array(np);
  const pAnswers = new Float64Array(np);
  const pSynAcks = new Float64Array(np);
  const pResets = new Float64Array(np);
  const pHandshakes = new Float64Array(np);
  const pFirst = new Float64Array(np);
  const pLast = new Float64Array(np);
  const pMember = new Uint8Array(np);
  let members = 0;

  // Side observations: key (source, target or none, SIG_*), value: last time.
  const sig = new AddrTable(MAX_SIGNALS);
  const sigTs = new Float64Array(sig.slots);

  let dirty = 0;
  let lastFlush = 0;
  let lastSweep = 0;

  const unmember = (s: number): void => {
    if (pMember[s] === 0) return;
    pMember[s] = 0;
    members--;
    const t = pTgt[s];
    if (tgt.isUsed(t) && tEpoch[t] === pEpoch[s]) tMembers[t]--;
  };

  // The helpers of probe() take the packet and read its time (p.ts): a time passed as a number argument
  // to a call V8 does not inline is boxed into a new heap number per call, and one passed in two
  // branches is boxed once ahead of both (here: for every UDP datagram).
  const resetTarget = (t: number, p: Packet): void => {
    const now = p.ts;
    tEpoch[t] = ++epochs;
    tFirst[t] = now;
    tLast[t] = now;
    tMembers[t] = 0;
    if (tChanged[t] === 1) dirty--;
    tRaised[t] = 0;
    tLastRaise[t] = 0;
    tChanged[t] = 0;
    tCopies[t] = 0;
    tSameId[t] = 0;
    tV4Copies[t] = 0;
    tKinds[t] = 0;
    rHead[t] = 0;
    rLen[t] = 0;
    if (tPortsSet[t] === 1) {
      tPorts[t]?.fill(0);
      tPortsSet[t] = 0;
    }
  };

  const targetOf = (b4: number, b6: string, p: Packet): number => {
    const now = p.ts;
    // The address hashed once for the lookup and the insert (an IPv6 text's hash is a loop; the targets of
    // DNS answers, one per client, churn through the slots, so inserts are common).
    const hb = addrHash(b4, b6);
    let t = tgt.findH(hb, NO_ADDR_HASH, b4, b6, 0, '', 0);
    if (t < 0) {
      t = tgt.insertH(hb, NO_ADDR_HASH, b4, b6, 0, '', 0);
      tgt.touched[t] = now;
      // An evicted target's pending update goes with it. A free slot's flag is 0 (the sweep clears it
      // before it frees the slot), so no test of `replaced`: the first eviction, late in a run, then
      // finds type feedback here (it deoptimized the packet path that inlined this).
      dirty -= tChanged[t];
      tChanged[t] = 0;
      resetTarget(t, p);
    } else if (now - tLast[t] > idleMs) {
      resetTarget(t, p);
    }
    tgt.touched[t] = now;
    tLast[t] = now;
    return t;
  };

  /** The pair (source, target t), or -1; a pair of an earlier episode of the target is dropped. */
  const findPair = (a4: number, a6: string, b4: number, b6: string, t: number): number => {
    const s = prs.find(a4, a6, b4, b6, 0);
    // The pair's episode is read for every lookup (slot 0's for a miss), so the first pair found, late
    // in a run, finds type feedback here (it deoptimized the probe path that inlined this).
    const i = s < 0 ? 0 : s;
    const otherTarget = pTgt[i] !== t;
    const otherEpoch = pEpoch[i] !== tEpoch[t];
    if (s >= 0 && (otherTarget || otherEpoch)) {
      unmember(s);
      prs.remove(s);
      return -1;
    }
    return s;
  };

  const newPair = (a4: number, a6: string, b4: number, b6: string, t: number, p: Packet): number => {
    const now = p.ts;
    const s = prs.insert(a4, a6, b4, b6, 0);
    prs.touched[s] = now;
    if (prs.replaced) {
      // The evicted pair's membership goes with it (members are pinned, so this is rare).
      if (pMember[s] === 1) {
        pMember[s] = 0;
        members--;
        const ot = pTgt[s];
        if (tgt.isUsed(ot) && tEpoch[ot] === pEpoch[s]) tMembers[ot]--;
      }
    }
    pTgt[s] = t;
    pEpoch[s] = tEpoch[t];
    pProbes[s] = 0;
    pCopied[s] = 0;
    pPorts[s] = 0;
    pBits.fill(0, s * PAIR_WORDS, (s + 1) * PAIR_WORDS);
    pTtlMin[s] = 256;
    pTtlMax[s] = -1;
    pAnswers[s] = 0;
    pSynAcks[s] = 0;
    pResets[s] = 0;
    pHandshakes[s] = 0;
    pFirst[s] = now;
    pLast[s] = now;
    pMember[s] = 0;
    return s;
  };

  const countProbe = (s: number, ttl: number, p: Packet): void => {
    const now = p.ts;
    pProbes[s]++;
    pLast[s] = now;
    prs.touched[s] = now;
    if (ttl < pTtlMin[s]) pTtlMin[s] = ttl;
    if (ttl > pTtlMax[s]) pTtlMax[s] = ttl;
  };

  /** Credits a copied probe (source, port) of target t to its pair; makes the pair a member when it qualifies. */
  const credit = (s: number, port: number, t: number): void => {
    pCopied[s]++;
    const h = Math.imul(port, 0x9e3779b1) >>> 22; // 10 bits
    const w = s * PAIR_WORDS + (h >>> 5);
    const m = 1 << (h & 31);
    if ((pBits[w] & m) === 0) {
      pBits[w] |= m;
      pPorts[s]++;
    }
    if (pMember[s] === 0 && pPorts[s] >= needPorts && pCopied[s] * 2 >= pProbes[s]) {
      pMember[s] = 1;
      members++;
      tMembers[t]++;
      prs.setPin(s, 1);
    }
  };

  const markChanged = (t: number): void => {
    if (tChanged[t] === 0) {
      tChanged[t] = 1;
      dirty++;
    }
  };

  // The packet path's helpers take the packet and read its time (p.ts) themselves: a time passed as a
  // number argument to a call V8 does not inline is boxed into a new heap number, and one passed in
  // several branches of onPacket is boxed once ahead of them all, on every packet.
  const probe = (p: Packet, kind: number): void => {
    const now = p.ts;
    const b4 = p.ip4Dst;
    const b6 = p.ip6Dst;
    const a4 = p.ip4Src;
    const a6 = p.ip6Src;
    const port = p.dstPort;
    const t = targetOf(b4, b6, p);
    const base = t * RING;
    const head = rHead[t];
    let copied = false;
    const len = rLen[t];
    for (let j = 1; j <= len; j++) {
      const i = base + ((head - j + RING) % RING);
      if (now - rTs[i] > lockMs) break;
      if (rPort[i] !== port || rKind[i] !== kind || (rS4[i] === a4 && rS6[i] === a6)) continue;
      copied = true;
      tCopies[t]++;
      if (a6 === '') {
        tV4Copies[t]++;
        if (rIpId[i] === p.ipId) tSameId[t]++;
      }
      if (rCred[i] === 0) {
        // The earlier probe was the first of its group: credit it too.
        rCred[i] = 1;
        let os = findPair(rS4[i], rS6[i], b4, b6, t);
        if (os < 0) os = newPair(rS4[i], rS6[i], b4, b6, t, p);
        if (rCounted[i] === 0) countProbe(os, rTtl[i], p);
        credit(os, port, t);
      }
    }
    // Looked up after the loop: a pair made there may have replaced this source's. No lookup while the
    // table is empty (a find there answers -1): pairs only come with copies, which ordinary traffic's
    // probes (every UDP datagram) do not make.
    let ps = prs.count > 0 ? findPair(a4, a6, b4, b6, t) : -1;
    if (copied && ps < 0) ps = newPair(a4, a6, b4, b6, t, p);
    if (ps >= 0) {
      countProbe(ps, p.ipTtl, p);
      if (copied) credit(ps, port, t);
    }
    if (copied) {
      tKinds[t] |= 1 << kind;
      let bits = tPorts[t];
      if (bits === undefined) bits = tPorts[t] = new Uint32Array(PORT_WORDS);
      setPort(bits, port);
      tPortsSet[t] = 1;
      if (tMembers[t] >= needSources) {
        if (tRaised[t] === 0) report(t, now);
        else markChanged(t);
      }
    }
    const i = base + head;
    rS4[i] = a4;
    rS6[i] = a6;
    rPort[i] = port;
    rKind[i] = kind;
    rTs[i] = now;
    rCred[i] = copied ? 1 : 0;
    rCounted[i] = ps >= 0 ? 1 : 0;
    rTtl[i] = p.ipTtl;
    rIpId[i] = p.ipId;
    rHead[t] = (head + 1) % RING;
    if (len < RING) rLen[t] = len + 1;
  };

  /** Notes signal `what` of (a, b) at p's time. */
  const note = (a4: number, a6: string, b4: number, b6: string, what: number, p: Packet): void => {
    const now = p.ts;
    // Each address hashed once for the lookup and the insert.
    const ha = addrHash(a4, a6);
    const hb = addrHash(b4, b6);
    let s = sig.findH(ha, hb, a4, a6, b4, b6, what);
    if (s < 0) s = sig.insertH(ha, hb, a4, a6, b4, b6, what);
    sig.touched[s] = now;
    sigTs[s] = now;
  };
  const noted = (a4: number, a6: string, b4: number, b6: string, what: number, since: number): boolean => {
    const s = sig.find(a4, a6, b4, b6, what);
    return s >= 0 && sigTs[s] >= since;
  };

  /** What the target and the sources' own stacks do around the probes (only while pairs exist). */
  const tcpSignals = (p: Packet, f: number): void => {
    const a4 = p.ip4Src;
    const a6 = p.ip6Src;
    const b4 = p.ip4Dst;
    const b6 = p.ip6Dst;
    if ((f & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) || f & TCP_RST) {
      // From a target to a probing source: an answer.
      const s = prs.find(b4, b6, a4, a6, 0);
      if (s >= 0) {
        pAnswers[s]++;
        if (f & TCP_SYN) pSynAcks[s]++;
        const t = pTgt[s];
        if (pMember[s] === 1 && tgt.isUsed(t) && tEpoch[t] === pEpoch[s]) markChanged(t);
        return;
      }
    }
    if (f & TCP_RST || (f === TCP_ACK && members > 0 && p.payloadLen === 0)) {
      // From a probing source to its target after a SYN/ACK: its kernel's RST, or a completed handshake.
      const s = prs.find(a4, a6, b4, b6, 0);
      if (s >= 0 && pSynAcks[s] > 0) {
        if (f & TCP_RST) pResets[s]++;
        else pHandshakes[s]++;
        const t = pTgt[s];
        if (pMember[s] === 1 && tgt.isUsed(t) && tEpoch[t] === pEpoch[s]) markChanged(t);
      }
    }
  };

  const icmpSignals = (p: Packet): void => {
    const v6 = (p.layers & LAYER_ICMPV6) !== 0;
    const type = p.icmpType;
    if ((!v6 && type === 8) || (v6 && type === 128)) {
      note(p.ip4Src, p.ip6Src, p.ip4Dst, p.ip6Dst, SIG_PING, p);
    } else if (v6 && (type === 135 || type === 136)) {
      // Neighbour solicitation or advertisement sent from the address: a live stack owns it.
      note(p.ip4Src, p.ip6Src, 0, '', SIG_ALIVE, p);
    } else if (prs.count > 0 && p.icmpQuoted.present && ((!v6 && type === 3) || (v6 && type === 1))) {
      // An ICMP error from the target about a probe: an answer to the probe's source.
      const q = p.icmpQuoted;
      const q4 = typeof q.src === 'number' ? q.src | 0 : 0;
      const q6 = typeof q.src === 'number' ? '' : q.src;
      const s = prs.find(q4, q6, p.ip4Src, p.ip6Src, 0);
      if (s >= 0) pAnswers[s]++;
    }
  };

  const pairText = (s: number): string => addrText(prs.a4(s), prs.a6(s));

  const report = (t: number, now: number): void => {
    tRaised[t] = 1;
    tLastRaise[t] = now;
    if (tChanged[t] === 1) {
      tChanged[t] = 0;
      dirty--;
    }
    const b4 = tgt.a4(t);
    const b6 = tgt.a6(t);
    const target = addrText(b4, b6);
    // Members, and sources about to be (the copies of one probe arrive one after another, so when the
    // first two sources qualify the others lack a port or two).
    const list: number[] = [];
    const half = Math.ceil(needPorts / 2);
    for (let s = 0; s < np; s++) {
      if (!prs.isUsed(s) || pTgt[s] !== t || pEpoch[s] !== tEpoch[t]) continue;
      if (pMember[s] === 1 || (pPorts[s] >= half && pCopied[s] * 2 >= pProbes[s])) list.push(s);
    }
    prs.byAge(list);
    if (list.length > MAX_NAMED) list.length = MAX_NAMED;
    const since = tFirst[t] - windowMs;
    // Signals per member, then points for those that set it apart.
    const has = (s: number, what: Signal): boolean => {
      const a4 = prs.a4(s);
      const a6 = prs.a6(s);
      switch (what) {
        case 'resets':
          return pResets[s] > 0;
        case 'handshakes':
          return pHandshakes[s] > 0;
        case 'resolved':
          return noted(a4, a6, b4, b6, SIG_RESOLVE, since);
        case 'pinged':
          return noted(a4, a6, b4, b6, SIG_PING, since);
        case 'alive':
          return noted(a4, a6, 0, '', SIG_ALIVE, since);
        case 'answered':
          return pAnswers[s] > 0;
        case 'dns':
          return noted(a4, a6, 0, '', SIG_DNS, since);
        case 'ttl':
          return false;
      }
    };
    const signals = Object.keys(SCORES) as Signal[];
    const score = new Array<number>(list.length).fill(0);
    const why: string[][] = list.map(() => []);
    for (const what of signals) {
      let flagged: number[];
      if (what === 'ttl') {
        // A TTL range that overlaps no other source's.
        flagged = [];
        for (let i = 0; i < list.length; i++) {
          const s = list[i];
          let apart = pTtlMax[s] >= 0;
          for (let j = 0; j < list.length && apart; j++) {
            const o = list[j];
            if (j !== i && pTtlMax[o] >= 0 && pTtlMin[s] <= pTtlMax[o] && pTtlMin[o] <= pTtlMax[s]) apart = false;
          }
          if (apart) flagged.push(i);
        }
        if (flagged.length !== 1) flagged = [];
      } else {
        flagged = [];
        for (let i = 0; i < list.length; i++) if (has(list[i], what)) flagged.push(i);
        // Something every source did tells them apart no better than nothing.
        if (flagged.length === list.length) flagged = [];
      }
      for (const i of flagged) {
        score[i] += SCORES[what][0];
        why[i].push(SCORES[what][1]);
      }
    }
    let best = -1;
    let second = 0;
    for (let i = 0; i < list.length; i++) {
      if (best < 0 || score[i] > score[best]) {
        if (best >= 0) second = Math.max(second, score[best]);
        best = i;
      } else {
        second = Math.max(second, score[i]);
      }
    }
    const decided = best >= 0 && score[best] > 0 && score[best] > second;
    const real = decided ? pairText(list[best]) : undefined;
    const reason = decided
      ? `${why[best].join('; ')} (score ${score[best]}, next ${second})`
      : 'no source did anything its own (no RST from its kernel, no ARP, ping or answers that others lacked): the sources cannot be told apart on this capture';
    const perSource: Record<string, unknown> = {};
    const scores: Record<string, number> = {};
    const sources: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const ip = pairText(s);
      sources.push(ip);
      scores[ip] = score[i];
      perSource[ip] = {
        probes: pProbes[s],
        copied: pCopied[s],
        lockstep_ports: pPorts[s],
        answers_from_target: pAnswers[s],
        resets_after_synack: pResets[s],
        handshakes: pHandshakes[s],
        ttl: pTtlMax[s] < 0 ? null : pTtlMin[s] === pTtlMax[s] ? `${pTtlMin[s]}` : `${pTtlMin[s]}-${pTtlMax[s]}`,
        signals: why[i],
      };
    }
    const bits = tPorts[t];
    const nPorts = bits !== undefined ? countPorts(bits) : 0;
    const kinds: string[] = [];
    let udp = false;
    for (let kd = 0; kd < 8; kd++) {
      if (tKinds[t] & (1 << kd)) {
        kinds.push(KIND_NAMES[kd]);
        if (kd === K_UDP) udp = true;
      }
    }
    const slow = now - tFirst[t] > windowMs;
    raise({
      type: 'DECOY_SCAN',
      severity: 'HIGH',
      message:
        `Decoy scan against ${target}: ${sources.length} sources probing the same ${nPorts} ports in lockstep (${kinds.join('/')}); ` +
        (real !== undefined ? `likely real source ${real}` : 'real source undetermined'),
      ts: now,
      key: target,
      src_ip: real,
      dst_ip: target,
      proto: udp && kinds.length === 1 ? 'UDP' : 'TCP',
      details: {
        target,
        sources,
        source_count: sources.length,
        likely_real_source: real ?? null,
        likely_real_reason: reason,
        real_source_scores: scores,
        per_source: perSource,
        ports_seen: nPorts,
        ports: bits !== undefined ? listPorts(bits, undefined, 100) : [],
        port_ranges: bits !== undefined ? portRanges(bits) : '',
        probe_types: kinds,
        copies: tCopies[t],
        copies_with_same_ip_id: tSameId[t],
        same_ip_id: tV4Copies[t] > 0 && tSameId[t] === tV4Copies[t],
        lockstep_s: k.decoy_lockstep,
        first_seen: iso(tFirst[t]),
        last_seen: iso(tLast[t]),
      },
      holdMs: slow ? idleMs : undefined,
    });
  };

  const flush = (now: number): void => {
    lastFlush = now;
    for (let t = 0; t < nt && dirty > 0; t++) {
      if (tChanged[t] === 1 && tgt.isUsed(t) && tRaised[t] === 1 && now - tLastRaise[t] >= UPDATE_MS) report(t, now);
    }
  };

  /** onPacket's once-a-second work behind one call, so its time is boxed only when some is due. */
  const upkeep = (now: number): void => {
    if (dirty > 0 && now - lastFlush >= UPDATE_MS) flush(now);
    if (now - lastSweep >= SWEEP_MS) sweep(now);
  };

  const sweep = (now: number): void => {
    lastSweep = now;
    if (prs.count > 0) {
      for (let s = 0; s < np; s++) {
        if (prs.isUsed(s) && now - pLast[s] > idleMs) {
          unmember(s);
          prs.remove(s);
        }
      }
    }
    if (tgt.count > 0) {
      for (let t = 0; t < nt; t++) {
        if (tgt.isUsed(t) && now - tLast[t] > idleMs) {
          if (tChanged[t] === 1) {
            tChanged[t] = 0;
            dirty--;
          }
          tgt.remove(t);
        }
      }
    }
    if (sig.count > 0) {
      for (let s = 0; s < sig.slots; s++) if (sig.isUsed(s) && now - sigTs[s] > idleMs) sig.remove(s);
    }
  };

  if (ctx !== undefined) {
    ctx.decoyMember = (a4, a6, b4, b6) => {
      if (members === 0) return false;
      const s = prs.find(a4, a6, b4, b6, 0);
      return s >= 0 && pMember[s] === 1;
    };
  }

  return {
    name: 'decoy-scan',
    onPacket(p: Packet): void {
      const l = p.layers;
      if (l & LAYER_TCP) {
        const f = p.tcpFlags & FLAGS6;
        // Only raw-style SYNs (no window scale, SACK or timestamps): an OS connect() cannot forge its
        // source, so many clients opening connections to one server are never decoys.
        if (f === TCP_SYN) {
          if (p.tcpWscale < 0 && !p.tcpSackOk && p.tcpTsVal < 0) probe(p, K_SYN);
        }
        else if (f === TCP_FIN) probe(p, K_FIN);
        else if (f === 0) probe(p, K_NULL);
        else if (f === XMAS) probe(p, K_XMAS);
        // Only the segments tcpSignals acts on (SYN/ACKs and RSTs; pure ACKs while a decoy scan has
        // members): the rest of the stream, nearly every packet, reads none of the packet's fields.
        else if (prs.count > 0 && ((f & (TCP_SYN | TCP_RST)) !== 0 || (f === TCP_ACK && members > 0))) tcpSignals(p, f);
      } else if (l & LAYER_UDP) {
        if (p.dstPort === 53) note(p.ip4Src, p.ip6Src, 0, '', SIG_DNS, p);
        const b4 = p.ip4Dst;
        if (p.ip6Dst === '' ? b4 >>> 28 !== 0xe && b4 !== -1 && (b4 & 0xff) !== 0xff : !p.ip6Dst.startsWith('ff')) {
          probe(p, K_UDP);
        }
      } else if (l & (LAYER_ICMP | LAYER_ICMPV6)) {
        if (p.ipProto === IPPROTO_ICMP || l & LAYER_ICMPV6) icmpSignals(p);
      } else if (l & LAYER_ARP) {
        if (p.arpOp === 1) note(p.arpSenderIp | 0, '', p.arpTargetIp | 0, '', SIG_RESOLVE, p);
        else if (p.arpOp === 2) note(p.arpSenderIp | 0, '', 0, '', SIG_ALIVE, p);
      }
      const now = p.ts;
      if ((dirty > 0 && now - lastFlush >= UPDATE_MS) || now - lastSweep >= SWEEP_MS) upkeep(now);
    },
    onTick(now: number): void {
      if (dirty > 0) flush(now);
      if (now - lastSweep >= SWEEP_MS) sweep(now);
    },
    finish(now: number): void {
      // The updates flush() holds back for UPDATE_MS, raised now so the final record has them.
      for (let t = 0; t < nt && dirty > 0; t++) if (tChanged[t] === 1 && tgt.isUsed(t) && tRaised[t] === 1) report(t, now);
    },
    status() {
      return { targets: tgt.count, pairs: prs.count, members, signals: sig.count, evictedPairs: prs.evicted };
    },
  };
}
