// The dashboard's export: writes a list of packets to a capture file atomically (temporary file, then
// rename), as classic pcap when they share one link type and as pcapng when they do not.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_SNAPLEN,
  pcapFileHeader,
  pcapngInterface,
  pcapngPacket,
  pcapngSectionHeader,
  pcapRecordLength,
  writePcapRecord,
} from './pcap-encode.js';
import { writeError } from './pcap-writer.js';
import { LINKTYPE_ETHERNET, type RawPacket } from './types.js';

const BATCH = 1 << 20;

/**
 * Writes `packets` to `file` and returns how many were written. Nanosecond timestamps are used when any
 * packet's source had them (RawPacket.tsNanos). One link type gives a pcap file; several give a pcapng
 * file with one interface per link type (in order of first appearance). Readers never see a half-written
 * file: the data goes to a temporary file in the same directory that is renamed over `file` at the end.
 */
export async function writePcapFile(file: string, packets: RawPacket[]): Promise<number> {
  const nano = packets.some((p) => p.tsNanos === true);
  const linkTypes: number[] = [];
  for (const p of packets) if (!linkTypes.includes(p.linkType)) linkTypes.push(p.linkType);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx');
  } catch (e) {
    throw writeError(file, e);
  }
  const fh = handle;
  let isOpen = true;
  try {
    let batch = Buffer.allocUnsafe(BATCH);
    let used = 0;
    const put = async (b: Buffer): Promise<void> => {
      if (used + b.length > batch.length) await flush();
      if (b.length > batch.length) {
        await fh.write(b);
        return;
      }
      b.copy(batch, used);
      used += b.length;
    };
    const flush = async (): Promise<void> => {
      if (used > 0) await fh.write(batch, 0, used);
      batch = Buffer.allocUnsafe(BATCH);
      used = 0;
    };
    if (linkTypes.length <= 1) {
      const linkType = linkTypes[0] ?? LINKTYPE_ETHERNET;
      await put(pcapFileHeader(linkType, DEFAULT_SNAPLEN, nano));
      for (const p of packets) {
        const need = pcapRecordLength(p, DEFAULT_SNAPLEN);
        if (used + need > batch.length) await flush();
        used += writePcapRecord(batch, used, p, DEFAULT_SNAPLEN, nano);
      }
    } else {
      await put(pcapngSectionHeader());
      for (const lt of linkTypes) await put(pcapngInterface(lt, DEFAULT_SNAPLEN, nano));
      for (const p of packets) await put(pcapngPacket(p, linkTypes.indexOf(p.linkType), DEFAULT_SNAPLEN, nano));
    }
    await flush();
    await fh.sync();
    await fh.close();
    isOpen = false;
    await rename(tmp, file);
  } catch (e) {
    if (isOpen) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw writeError(file, e);
  }
  return packets.length;
}
