// The VirusTotal API v3 client for one call, GET /api/v3/ip_addresses/{ip} with the `x-apikey`
// header, and the sorting of its answers into outcomes the enrichment worker acts on.
//
// Response shapes follow VirusTotal's documentation: a success is {"data": {"type": "ip_address",
// "id": ip, "attributes": {last_analysis_stats, reputation, country, as_owner, asn, ...}}}; an error
// is {"error": {"code": "QuotaExceededError", "message": ...}} with HTTP 400/401/403/404/429/503/504.

/** What NetGuard keeps of an IP address report. */
export interface VtReport {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
  reputation: number | null;
  country: string | null;
  as_owner: string | null;
  asn: number | null;
  network: string | null;
  /** Seconds since epoch of VirusTotal's last analysis, when given. */
  last_analysis_date: number | null;
}

/** The four counts of last_analysis_stats, as handed to onVerdict. */
export interface VtStats {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
}

export type VtOutcome =
  | { kind: 'ok'; report: VtReport }
  | { kind: 'not_found'; reason: string }
  /** 429: wait (Retry-After when given, in ms) and try again. */
  | { kind: 'rate_limited'; retryAfterMs: number | null; reason: string }
  /** 401/403: the key is missing, wrong, inactive or not allowed; stop using it. */
  | { kind: 'auth'; reason: string }
  /** Timeouts, network errors, 5xx: retry later. */
  | { kind: 'transient'; reason: string }
  /** Anything else (400, unexpected body): give up on this address. */
  | { kind: 'fatal'; reason: string };

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Extracts a VtReport from a success body, or null when the body is not an IP address object. */
export function parseIpReport(body: unknown): VtReport | null {
  if (typeof body !== 'object' || body === null) return null;
  const data = (body as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return null;
  const attrs = (data as { attributes?: unknown }).attributes;
  if (typeof attrs !== 'object' || attrs === null) return null;
  const a = attrs as Record<string, unknown>;
  const stats = (typeof a.last_analysis_stats === 'object' && a.last_analysis_stats !== null ? a.last_analysis_stats : {}) as Record<string, unknown>;
  return {
    malicious: num(stats.malicious),
    suspicious: num(stats.suspicious),
    harmless: num(stats.harmless),
    undetected: num(stats.undetected),
    reputation: typeof a.reputation === 'number' ? a.reputation : null,
    country: str(a.country),
    as_owner: str(a.as_owner),
    asn: typeof a.asn === 'number' ? a.asn : null,
    network: str(a.network),
    last_analysis_date: typeof a.last_analysis_date === 'number' ? a.last_analysis_date : null,
  };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or bad. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const t = value.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const when = Date.parse(t);
  if (Number.isNaN(when)) return null;
  return Math.max(0, when - now);
}

/** The error code of a VirusTotal error body ("WrongCredentialsError"), or "". */
function errorCode(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const err = (body as { error?: unknown }).error;
  if (typeof err !== 'object' || err === null) return '';
  const code = (err as { code?: unknown }).code;
  // Codes are short identifiers; anything else is not shown.
  return typeof code === 'string' && /^[A-Za-z]{1,64}$/.test(code) ? code : '';
}

/** Sorts an HTTP answer into an outcome. */
export function classifyResponse(status: number, body: unknown, retryAfter: string | null, now: number): VtOutcome {
  const code = errorCode(body);
  const what = `HTTP ${status}${code ? ' ' + code : ''}`;
  if (status === 200) {
    const report = parseIpReport(body);
    return report ? { kind: 'ok', report } : { kind: 'fatal', reason: 'HTTP 200 without an IP address object' };
  }
  if (status === 404) return { kind: 'not_found', reason: what };
  if (status === 429) return { kind: 'rate_limited', retryAfterMs: parseRetryAfter(retryAfter, now), reason: what };
  if (status === 401 || status === 403) return { kind: 'auth', reason: what };
  if (status >= 500 || status === 408 || status === 424) return { kind: 'transient', reason: what };
  return { kind: 'fatal', reason: what };
}

/** Performs one lookup. Never throws: network errors and timeouts become `transient`. */
export async function fetchIpReport(
  fetchFn: typeof fetch,
  apiUrl: string,
  apiKey: string,
  ip: string,
  timeoutMs: number,
  now: () => number,
  abort?: AbortSignal,
): Promise<VtOutcome> {
  const url = `${apiUrl.replace(/\/+$/, '')}/api/v3/ip_addresses/${encodeURIComponent(ip)}`;
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, timeoutMs);
  const onAbort = (): void => ctl.abort();
  abort?.addEventListener('abort', onAbort);
  try {
    const res = await fetchFn(url, { headers: { 'x-apikey': apiKey, accept: 'application/json' }, signal: ctl.signal });
    let body: unknown = null;
    const text = await res.text();
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return classifyResponse(res.status, body, res.headers.get('retry-after'), now());
  } catch (e) {
    if (timedOut) return { kind: 'transient', reason: `timeout after ${Math.round(timeoutMs / 1000)} s` };
    if (abort?.aborted) return { kind: 'transient', reason: 'shutdown' };
    const err = e as { cause?: { code?: unknown }; name?: unknown };
    const code = typeof err.cause?.code === 'string' ? err.cause.code : typeof err.name === 'string' ? err.name : 'error';
    return { kind: 'transient', reason: `network error (${code})` };
  } finally {
    clearTimeout(timer);
    abort?.removeEventListener('abort', onAbort);
  }
}
