// Flow state, the public surface of src/flow/: connection tracking, DNS transactions, traffic statistics
// and port names.
export { serviceName, isKnownService, portRank } from './port-names.js';
export {
  ConnectionTracker,
  copyUpdate,
  STATE_NAMES,
  icmpEchoId,
  type ConnectionInfo,
  type FlowEndReason,
  type ConnectionTrackerCounters,
  type ConnectionTrackerOptions,
  type FlowProto,
  type FlowUpdate,
} from './connection-tracker.js';
export { DnsTracker, dnsRcodeName, dnsTypeName, type DnsQueryInfo, type DnsTrackerOptions } from './dns-tracker.js';
export {
  ProtocolStatistics,
  PROTOCOL_NAMES,
  type ProtocolName,
  type ProtocolStatisticsOptions,
} from './protocol-statistics.js';
export * from './community-id.js';
