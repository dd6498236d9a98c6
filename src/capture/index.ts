// Public surface of the capture stage: packet sources (live through the pcap-batch addon, file, stdin), the pcap writer and export,
// interface listing, and the shared packet and link type definitions.
export * from './types.js';
export { openFile, openStream, READ_CHUNK, type CaptureFileSource, type FileSourceOptions } from './file-reader.js';
export { MAX_CAPLEN } from './capture-parser.js';
export { openLive, captureDevices, DEFAULT_BUFFER_SIZE, DEFAULT_SNAPLEN, type LiveOptions, type LiveSource } from './live.js';
export { listInterfaces, defaultInterface, type InterfaceInfo } from './interfaces.js';
export { PcapWriter, type PcapWriterOptions } from './pcap-writer.js';
export { writePcapFile } from './pcap-export.js';
export { DECODABLE_LINK_TYPES, linkTypeName, dltLinkType } from './link-types.js';
