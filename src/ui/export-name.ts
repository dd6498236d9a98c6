// File names for the dashboard's `e` export: one new file per export, named by the local time
// (capture-20261205-174501.pcap), numbered when that name is taken, so an export never overwrites a file.
import { existsSync } from 'node:fs';
import path from 'node:path';

const two = (n: number): string => String(n).padStart(2, '0');

/** Local date and time as YYYYmmdd-HHMMSS. */
export function exportStamp(d: Date): string {
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
}

/**
 * The absolute path of the next export: `base` (say ./capture.pcap) with the time after its stem
 * (./capture-20261205-174501.pcap), then -2, -3, ... when a file of that name already exists.
 */
export function nextExportPath(base: string, when: Date, exists: (p: string) => boolean = existsSync): string {
  const abs = path.resolve(base);
  const ext = path.extname(abs) || '.pcap';
  const stem = path.join(path.dirname(abs), path.basename(abs, path.extname(abs)));
  const first = `${stem}-${exportStamp(when)}`;
  if (!exists(first + ext)) return first + ext;
  for (let n = 2; ; n++) {
    const p = `${first}-${n}${ext}`;
    if (!exists(p)) return p;
  }
}

/** How the help overlay names where `e` writes: the base with a placeholder for the time. */
export function exportPattern(base: string): string {
  const abs = path.resolve(base);
  const ext = path.extname(abs) || '.pcap';
  return `${path.join(path.dirname(abs), path.basename(abs, path.extname(abs)))}-YYYYmmdd-HHMMSS${ext}`;
}
