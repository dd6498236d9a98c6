// Network interfaces for live capture: the list (from /sys/class/net, with addresses from the OS) and
// the default choice (the preferred name if it exists, else the first up, non-loopback interface).
import fs from 'node:fs';
import os from 'node:os';

export interface InterfaceInfo {
  name: string;
  addresses: string[];
  /** Operationally up (carrier present), when the system says; undefined when unknown. */
  up?: boolean;
  loopback: boolean;
}

const SYS_NET = '/sys/class/net';
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

function readSys(name: string, attr: string): string | null {
  try {
    return fs.readFileSync(`${SYS_NET}/${name}/${attr}`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Every interface of this network namespace, sorted by name. `any` (all interfaces) is not listed. */
export function listInterfaces(): InterfaceInfo[] {
  const osIfs = os.networkInterfaces();
  let names: string[];
  try {
    names = fs.readdirSync(SYS_NET);
  } catch {
    // No sysfs (not Linux): os.networkInterfaces() lists the interfaces that have an address.
    names = Object.keys(osIfs);
  }
  return names.sort().map((name) => {
    const addrs = osIfs[name] ?? [];
    const flagsText = readSys(name, 'flags');
    const flags = flagsText === null ? null : Number.parseInt(flagsText, 16);
    const oper = readSys(name, 'operstate');
    // Loopback reports operstate "unknown"; then the administrative IFF_UP flag decides.
    let up: boolean | undefined;
    if (oper === 'up') up = true;
    else if (oper === 'down' || oper === 'lowerlayerdown' || oper === 'notpresent') up = false;
    else if (flags !== null && !Number.isNaN(flags)) up = (flags & IFF_UP) !== 0;
    const loopback = flags !== null && !Number.isNaN(flags) ? (flags & IFF_LOOPBACK) !== 0 : addrs.some((a) => a.internal);
    const info: InterfaceInfo = { name, addresses: addrs.map((a) => a.address), loopback };
    if (up !== undefined) info.up = up;
    return info;
  });
}

/** `preferred` when it exists (or is "any"), else the first up, non-loopback interface, else null. */
export function defaultInterface(preferred?: string): string | null {
  const all = listInterfaces();
  if (preferred && (preferred === 'any' || all.some((i) => i.name === preferred))) return preferred;
  const candidates = all.filter((i) => !i.loopback && i.up === true);
  // Among up interfaces, one with an address is the likelier choice (a bridge port or dummy has none).
  return (candidates.find((i) => i.addresses.length > 0) ?? candidates[0])?.name ?? null;
}
