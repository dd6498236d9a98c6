// Evidence per alert: the store the engine feeds, and reading an alert's packets back from its file.
export { EvidenceStore, AlertEvidence, type EvidenceOptions, type EvidenceFlow, type FrameReader } from './store.js';
export { FrameRing } from './frame-ring.js';
export { readBackPackets, fileStamp, type FileStamp } from './read-back.js';
export { evidenceOptionsFromSettings } from './settings.js';
export { evidenceRow, pcapBytes, type EvidenceSource, type EvidenceRow } from './record.js';
export { storedAlertPcap, EvidenceGone, type StoredPcap } from './stored.js';
