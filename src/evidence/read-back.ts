// Reads an alert's packets back from its capture file by their recorded offsets (file sources), so an
// alert's pcap holds every packet of its episode however small the memory budget was.
import { stat } from 'node:fs/promises';
import { openFile } from '../capture/file-reader.js';
import type { RawPacket } from '../capture/types.js';

/** Size and modification time of a capture file, to tell later whether it is still the same file. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export async function fileStamp(file: string): Promise<FileStamp | null> {
  try {
    const s = await stat(file);
    return { size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
  } catch {
    return null;
  }
}

/**
 * The packets of `file` (as read with the capture `filter`, '' for none) whose frame starts at one of `offsets` (ascending, as recorded in capture
 * order), each copied. The file is parsed again from the start, so pcapng timestamps and interfaces
 * come out exactly as the first time.
 */
export async function readBackPackets(file: string, filter: string, offsets: ArrayLike<number>, count = offsets.length): Promise<RawPacket[]> {
  const out: RawPacket[] = [];
  if (count === 0) return out;
  // With a capture filter (-f) the offsets are positions in the filtered stream: filter the same way.
  const src = openFile(file, { filter });
  let i = 0;
  await src.run((raw) => {
    const off = raw.fileOffset ?? -1;
    while (i < count && offsets[i] < off) i++; // an offset the file no longer has (never in an unchanged file)
    if (i < count && offsets[i] === off) {
      out.push({ ...raw, data: raw.data.slice(raw.off, raw.off + raw.caplen), off: 0 });
      i++;
      if (i === count) src.stop();
    }
  });
  return out;
}
