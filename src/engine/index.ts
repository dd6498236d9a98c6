// The engine's public surface: the Engine, its parts' shapes, and the view types.
export * from './types.js';
export { Engine, type EngineOptions, type FunnelPart, type RulesPart, type ReputationPart } from './engine.js';
export { PacketHistory, type HeldPacket } from './history.js';
export { packetLine } from './packet-line.js';
