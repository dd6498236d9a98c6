// Detector state with bounded memory: tables, counters and the address keys they are looked up by.
export { BoundedMap } from './bounded-map.js';
export { WindowCounter } from './window-counter.js';
export { KeySet } from './key-set.js';
export { PortCounts } from './port-counts.js';
export { addrHash, hashIp, ipKey, NO_ADDR_HASH, packetAddrHash } from './addr-keys.js';
export { HandshakeTable } from './handshake-table.js';
export { AddrTable } from './addr-table.js';
export { EpisodeCounts } from './episode-counts.js';
export { ByteMemo, hashBytes } from './byte-memo.js';
