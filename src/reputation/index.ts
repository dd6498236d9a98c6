// Public surface of IP reputation: lists, scores and promotion, the list detector, persistence.
export { IpReputation, DEFAULT_REPUTATION_CONFIG, LIST_BLACK, LIST_WHITE, LIST_MALICIOUS, type IpStatus, type ReputationStatus, type ReputationConfig, type ReputationState, type ScoreEntry } from './reputation.js';
export { IpList } from './ip-list.js';
export { createReputationDetector, REPEAT_MS, MAX_LISTED_SEEN } from './detector.js';
export { createReputationSink } from './sink.js';
export { ReputationStore, loadReputationState, saveReputationState, saveReputationStateAsync, appendListEntry, moveAside, type ListName } from './store.js';
