// Probe kinds and probe outcomes: the codes the probe tracker (probes.ts) hands to the scan detectors.

/** Probe kinds; the index is also the position in KIND_TYPES. */
export const K_SYN = 0;
export const K_CONNECT = 1;
export const K_FIN = 2;
export const K_XMAS = 3;
export const K_NULL = 4;
export const K_ACK = 5;
export const K_MAIMON = 6;
export const K_UDP = 7;
export const KIND_COUNT = 8;
export const KIND_TYPES = [
  'SYN_SCAN',
  'CONNECT_SCAN',
  'FIN_SCAN',
  'XMAS_SCAN',
  'NULL_SCAN',
  'ACK_SCAN',
  'MAIMON_SCAN',
  'UDP_SCAN',
] as const;
export const KIND_NAMES = ['SYN', 'connect', 'FIN', 'XMAS', 'NULL', 'ACK', 'Maimon', 'UDP'] as const;

/** Outcomes of a probe (onOutcome's `outcome`). */
export const O_CLOSED = 0;
export const O_UNANSWERED = 1;
export const O_TORN = 2;
export const O_STEALTH = 3;
export const O_SUCCESS = 4;
export const O_TRANSIT = 5;
