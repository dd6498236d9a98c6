// Public surface of threat-intelligence enrichment (VirusTotal API v3) and the address scope rules.
export { Enricher, createEnricher } from './enricher.js';
export type { EnricherOptions, EnricherStats, Enrichment, EnrichmentSettings } from './enricher.js';
export { isPublicIp, nonPublicReason } from './ip-scope.js';
export { parseDotenv, readApiKey } from './dotenv.js';
export { TokenBucket, RateLimiter } from './rate-limit.js';
export type { VtReport, VtStats } from './virustotal.js';
