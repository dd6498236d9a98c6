// The display text of the addresses a raise site puts in its detections: a recent IPv4 address's text is
// made once and shared, because an alert storm names each spoofed source in four or five detections of
// different detectors and the victim in every one, and each text lives on (storm sources, the reputation
// score, the history's folded rows) until written.
import { formatIpv4 } from '../decode/addr.js';

/** Entries of the direct-mapped table (a power of two). */
const SLOTS = 4096;
const SHIFT = 32 - Math.log2(SLOTS);

/** IPv4 texts by address, direct-mapped: a new address takes its slot over (no probing, no growth). */
export class AddressTexts {
  private readonly keys = new Int32Array(SLOTS);
  /** '' where the slot holds nothing yet (no address has empty text). */
  private readonly texts: string[] = new Array<string>(SLOTS).fill('');

  /** The text of an address kept as (int32 IPv4, IPv6 text): the IPv6 text itself, or the IPv4 dotted quad. */
  text(a4: number, a6: string): string {
    if (a6 !== '') return a6;
    const slot = Math.imul(a4, 0x9e3779b1) >>> SHIFT;
    const t = this.texts[slot];
    if (t !== '' && this.keys[slot] === (a4 | 0)) return t;
    const made = formatIpv4(a4 >>> 0);
    // A dotted quad of 13 or more characters is made as a rope of its parts (V8's cons strings), which every
    // Map and Set that keeps the text would keep whole: reading a character makes it one flat string.
    made.charCodeAt(0);
    this.keys[slot] = a4 | 0;
    this.texts[slot] = made;
    return made;
  }
}

/** The table raise sites share (addresses are the same facts in every detector). */
export const ALERT_ADDRESSES = new AddressTexts();
