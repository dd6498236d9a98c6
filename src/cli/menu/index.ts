// Public surface of the CLI menu: runMenu and the MenuBackend contract the engine side implements.
export { runMenu, MENU_OPTIONS, EXIT_OPTION, MENU_PROMPT, MORE_PROMPT, DEFAULT_PAGE_SIZE, RECENT_ALERTS, TOP_DOMAINS, type MenuIo } from './menu.js';
export type {
  MenuBackend,
  MaybePromise,
  PacketRow,
  PacketSearch,
  ConnectionRow,
  DnsRow,
  ReputationRow,
  ReputationStatus,
  ListName,
  CaptureSummary,
  PortRow,
  ProtocolStats,
  AlertSummary,
} from './backend.js';
export { parseIpInput, parseListInput, parsePortInput, parseProtocolInput, parseRuleInput, parseConnectionInput, KNOWN_PROTOCOLS } from './prompts.js';
