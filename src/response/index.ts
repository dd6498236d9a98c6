// Public surface of active response: the Responder sink, its firewall backends and the factory from settings.
import type { Settings } from '../config/schema.js';
import type { Severity } from '../alert/types.js';
import { Responder, type ResponderOptions } from './responder.js';

export { Responder, type ResponderOptions, type BlockEntry } from './responder.js';
export { NftBackend, IptablesBackend, chooseBackend, execRunner, nftRuleset, NFT_TABLE, IPT_CHAIN, FirewallError, type CommandRunner, type CommandResult, type FirewallBackend, type Family } from './firewall.js';
export { ProtectedSet, discoverHost, parseDefaultRoutes, parseResolvConf, type HostAddresses } from './protected.js';

export interface ResponderFlags {
  /** --block */
  block: boolean;
  /** --dry-run */
  dryRun: boolean;
  /** IpReputation.isWhitelisted */
  isWhitelisted?: (ip: string) => boolean;
  log?: (line: string) => void;
  run?: ResponderOptions['run'];
}

/**
 * The Responder when --block or response.enabled asks for it, else null. --dry-run or response.dry_run
 * makes it log without touching the firewall. Throws (exit 2) on a bad response.never_block entry.
 */
export function createResponder(settings: Settings, flags: ResponderFlags): Responder | null {
  const r = settings.response;
  if (!flags.block && !r.enabled) return null;
  try {
    return new Responder({
      types: r.types,
      minSeverity: r.min_severity as Severity,
      blockSeconds: r.block_seconds,
      maxBlocks: r.max_blocks,
      dryRun: flags.dryRun || r.dry_run,
      backend: r.backend,
      neverBlock: r.never_block,
      isWhitelisted: flags.isWhitelisted,
      log: flags.log,
      run: flags.run,
    });
  } catch (e) {
    throw Object.assign(new Error(`settings: ${(e as Error).message}`), { exitCode: 2 });
  }
}
