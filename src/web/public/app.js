// NetGuard web dashboard client: live alerts and statistics over /ws, the packet-rate chart on a canvas,
// and the history search over /api/alerts. Every value from the wire is set with textContent, never as HTML.
'use strict';

const MAX_LIVE = 200;
const SEVS = ['CRITICAL', 'HIGH', 'WARNING', 'LOW'];
const SEV_SHORT = { CRITICAL: 'CRIT', HIGH: 'HIGH', WARNING: 'WARN', LOW: 'LOW' };
const PROTO_ORDER = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'ARP', 'DNS', 'HTTP', 'Other'];

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * An element with a class and text; text goes in as textContent, so markup in it stays text.
 * @param {string} tag @param {string} [cls] @param {unknown} [text]
 */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/**
 * Appends one cell per value; `numeric` columns are right-aligned, `wrap` columns may wrap (others don't).
 * @param {HTMLElement} tr @param {unknown[]} values @param {number[]} [numeric] @param {number[]} [wrap]
 */
function cells(tr, values, numeric = [], wrap = []) {
  values.forEach((v, i) => tr.appendChild(el('td', numeric.includes(i) ? 'num nowrap' : wrap.includes(i) ? '' : 'nowrap', v)));
  return tr;
}

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
function fmtBytes(n) {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${u[i]}`;
}
function fmtBits(n) {
  const u = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${u[i]}`;
}
function fmtUptime(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}h ${m}m ${sec}s` : m ? `${m}m ${sec}s` : `${sec}s`;
}
/** Packets per second: one decimal below 10 so a trickle does not read as zero. @param {number} n */
const fmtRate = (n) => (n < 10 && n !== Math.round(n) ? n.toFixed(1) : fmtInt(n));
/** Share of what the kernel received that reached NetGuard, never rounded up to 100%. @param {any} c */
function capturedShare(c) {
  if (!(c.kernel_packets > 0)) return '-';
  const kept = Math.max(0, c.kernel_packets - c.kernel_drops);
  return kept === c.kernel_packets ? '100%' : `${(Math.floor((10000 * kept) / c.kernel_packets) / 100).toFixed(2)}%`;
}
const endpoint = (ip, port) => (!ip ? '-' : port === undefined || port === null ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const timeOf = (iso) => String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** Tells tests and people which alerts arrived live. */
let liveCount = 0;

/** @param {any} a */
function liveItem(a) {
  const li = el('li', 'fresh');
  li.dataset.id = String(a.id);
  li.appendChild(el('span', 'muted', timeOf(a.timestamp).slice(11, 19)));
  const b = el('span');
  b.appendChild(el('span', `badge sev-${SEVS.includes(a.severity) ? a.severity : 'LOW'}`, a.severity));
  li.appendChild(b);
  const body = el('span', 'msg');
  // On a console (netguard console) each alert names the sensor that raised it.
  if (a.sensor) body.appendChild(el('span', 'muted', `[${a.sensor}] `));
  body.appendChild(el('strong', '', a.type));
  body.appendChild(document.createTextNode(' '));
  const who = whoOf(a);
  body.appendChild(el('span', 'muted', `${who} `));
  body.appendChild(el('span', 'text', messageAfter(who, a.message)));
  body.appendChild(el('span', 'count muted', a.count > 1 ? ` ×${a.count}` : ''));
  li.appendChild(body);
  return li;
}

/** Source → destination of an alert, or the one address it has. @param {any} a */
function whoOf(a) {
  if (a.src_ip && a.dst_ip) return `${endpoint(a.src_ip, a.src_port)} → ${endpoint(a.dst_ip, a.dst_port)}`;
  return a.src_ip ? endpoint(a.src_ip, a.src_port) : a.dst_ip ? endpoint(a.dst_ip, a.dst_port) : '-';
}

/**
 * The message without a leading address the line already shows ("10.99.0.1 promoted to malicious"
 * after the address 10.99.0.1 reads "promoted to malicious"). @param {string} who @param {string} message
 */
function messageAfter(who, message) {
  const m = String(message ?? '');
  return who !== '-' && !who.includes(' → ') && m.startsWith(`${who} `) ? m.slice(who.length + 1) : m;
}

/** Brings live items up to date as their episodes grow (count, newest message). @param {any[]} alerts */
function updateLive(alerts) {
  const list = $('live');
  for (const a of alerts) {
    const li = list.querySelector(`li[data-id="${CSS.escape(String(a.id))}"]`);
    const text = li?.querySelector('.text');
    const msg = messageAfter(whoOf(a), a.message);
    if (text && text.textContent !== msg) text.textContent = msg;
    const n = li?.querySelector('.count');
    if (n) n.textContent = a.count > 1 ? ` ×${a.count}` : '';
  }
}

/** @param {any[]} alerts newest last */
function addLive(alerts) {
  const list = $('live');
  for (const a of alerts) {
    if (list.querySelector(`li[data-id="${CSS.escape(String(a.id))}"]`)) continue;
    list.insertBefore(liveItem(a), list.firstChild);
    liveCount++;
  }
  while (list.childElementCount > MAX_LIVE) list.lastElementChild?.remove();
  $('live-count').textContent = `(${fmtInt(liveCount)})`;
}

/** @param {HTMLElement} tbody @param {HTMLElement[]} rows */
function replaceRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

/** The packet-rate chart, drawn by hand on the canvas: grid, axis labels, filled line. @param {number[]} h */
function drawChart(h) {
  const c = /** @type {HTMLCanvasElement} */ ($('chart'));
  const dpr = window.devicePixelRatio || 1;
  const w = c.clientWidth || 900, ht = c.clientHeight || 180;
  if (c.width !== Math.round(w * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(ht * dpr); }
  const g = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, ht);
  const left = 56, right = 8, top = 8, bottom = 22;
  const pw = w - left - right, ph = ht - top - bottom;
  const max = Math.max(10, ...h);
  const step = niceStep(max / 4);
  const yMax = Math.ceil(max / step) * step;
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#8596a8';
  g.strokeStyle = '#263241';
  g.lineWidth = 1;
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const y = top + ph - (v / yMax) * ph;
    g.beginPath(); g.moveTo(left, Math.round(y) + 0.5); g.lineTo(left + pw, Math.round(y) + 0.5); g.stroke();
    g.textAlign = 'right'; g.textBaseline = 'middle';
    g.fillText(fmtInt(v), left - 6, y);
  }
  g.textAlign = 'center'; g.textBaseline = 'top';
  for (const s of [60, 45, 30, 15, 0]) g.fillText(s === 0 ? 'now' : `-${s}s`, left + pw - (s / 60) * pw, top + ph + 6);
  if (h.length < 2) return;
  const n = 60;
  const xs = (i) => left + pw - ((h.length - 1 - i) / (n - 1)) * pw;
  const ys = (v) => top + ph - (v / yMax) * ph;
  g.beginPath();
  g.moveTo(xs(0), ys(h[0]));
  for (let i = 1; i < h.length; i++) g.lineTo(xs(i), ys(h[i]));
  g.strokeStyle = '#4fb3ff'; g.lineWidth = 2; g.stroke();
  g.lineTo(xs(h.length - 1), top + ph); g.lineTo(xs(0), top + ph); g.closePath();
  g.fillStyle = 'rgba(79,179,255,0.15)'; g.fill();
}
function niceStep(x) {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(x, 1))));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** @param {any} s the /api/stats payload */
function renderStats(s) {
  const st = s.stats;
  $('packets').textContent = fmtInt(st.packets);
  $('bytes').textContent = fmtBytes(st.bytes);
  // Once the source has ended, the last second's rate would stay on the page for ever: show the run's
  // average instead, labelled as such.
  const secs = (st.now - st.startedAt) / 1000;
  const avg = st.ended && st.packets > 0 && st.startedAt > 0 && secs > 0 ? { pps: st.packets / secs, bps: (st.bytes * 8) / secs } : null;
  $('pps').textContent = st.ended ? (avg ? `avg ${fmtRate(avg.pps)} pkt/s` : 'ended') : `${fmtRate(st.pps)} pkt/s`;
  $('bps').textContent = st.ended ? (avg ? `avg ${fmtBits(avg.bps)}` : 'ended') : fmtBits(st.bps);
  const counts = s.connectionCounts ?? { open: s.connections.length, closed: (s.closedConnections ?? []).length };
  $('nconn').textContent = fmtInt(counts.open + counts.closed);
  $('nconn-sub').textContent = `${fmtInt(counts.open)} open, ${fmtInt(counts.closed)} closed`;
  $('errors').textContent = `${fmtInt(st.decodeErrors)} / ${st.drops === null ? '-' : fmtInt(st.drops)}`;
  // A live capture's kernel counters: what the kernel received and the share NetGuard got.
  const cap = s.capture;
  $('capture').textContent = cap ? `of ${fmtInt(cap.kernel_packets)} received, ${capturedShare(cap)} captured${cap.kernel_ifdrops > 0 ? `, +${fmtInt(cap.kernel_ifdrops)} by iface` : ''}` : '';
  $('source').textContent = `${st.live ? 'live' : 'file'}: ${st.source}${st.filter ? `  filter: ${st.filter}` : ''}`;
  $('uptime').textContent = st.startedAt ? `up ${fmtUptime(st.now - st.startedAt)}` : st.live ? 'waiting for the first packet' : '';
  lastStats = st;
  showState();
  for (const sev of SEVS) $(`n-${sev}`).textContent = `${SEV_SHORT[sev]} ${fmtInt(s.alertCounts[sev] ?? 0)}`;
  const b = st.baseline;
  $('baseline').textContent = b ? (b.learning ? `Baseline: learning (${Math.round(b.progress * 100)}% of ${b.windowSec}s)` : `Baseline: mean ${b.mean.pps.toFixed(1)} pkt/s, σ ${b.stddev.pps.toFixed(1)}`) : '';
  drawChart(st.rateHistory);
  updateLive(s.alerts);

  const protos = Object.entries(st.protocols).filter(([, v]) => v.packets > 0).sort((a, b) => {
    const ia = PROTO_ORDER.indexOf(a[0]), ib = PROTO_ORDER.indexOf(b[0]);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || b[1].packets - a[1].packets;
  });
  const maxP = Math.max(1, ...protos.map(([, v]) => v.packets));
  replaceRows(/** @type {HTMLElement} */ ($('protocols').querySelector('tbody')), protos.map(([k, v]) => {
    const tr = cells(el('tr'), [k, fmtInt(v.packets), fmtBytes(v.bytes)], [1, 2]);
    const td = el('td', 'bar-cell'); const bar = el('div', 'bar'); bar.style.width = `${Math.round((v.packets / maxP) * 100)}%`;
    td.appendChild(bar); tr.appendChild(td);
    return tr;
  }));
  replaceRows(/** @type {HTMLElement} */ ($('talkers').querySelector('tbody')), s.topByBytes.slice(0, 8).map((t) => cells(el('tr'), [t.ip, fmtInt(t.packets), fmtBytes(t.bytes)], [1, 2])));
  replaceRows(/** @type {HTMLElement} */ ($('packets-feed').querySelector('tbody')), (s.packets ?? []).slice(-12).map((p) =>
    cells(el('tr'), [p.n, p.proto, endpoint(p.src, p.srcPort || undefined), endpoint(p.dst, p.dstPort || undefined), p.len, p.info], [0, 4], [5])));
  // The run's connections: the open ones, then those already closed (a finished replay has mostly these).
  const connRow = (c, closed) => {
    const tr = cells(el('tr', closed ? 'closed' : ''), [c.proto, endpoint(c.src, c.srcPort), endpoint(c.dst, c.dstPort), c.service || '-', c.state, fmtInt(c.packets), fmtBytes(c.bytes)], [5, 6]);
    tr.dataset.id = String(c.id);
    return tr;
  };
  const open = s.connections.slice(0, 10);
  const closed = (s.closedConnections ?? []).slice(0, 10);
  replaceRows(/** @type {HTMLElement} */ ($('connections').querySelector('tbody')), [...open.map((c) => connRow(c, false)), ...closed.map((c) => connRow(c, true))]);
  $('conn-shown').textContent = `(${fmtInt(counts.open)} open, ${fmtInt(counts.closed)} closed; showing ${open.length} open and the ${closed.length} last closed)`;
}

async function getJson(url) {
  const r = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!r.ok) {
    let msg = `${r.status}`;
    try { msg = (await r.json()).error ?? msg; } catch { /* not JSON */ }
    throw new Error(msg);
  }
  return r.json();
}

async function search(ev) {
  ev?.preventDefault();
  const form = /** @type {HTMLFormElement} */ ($('search'));
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') params.set(k, v.trim());
  const status = $('hist-status');
  status.textContent = 'searching…';
  status.classList.remove('error');
  try {
    const r = await getJson(`/api/alerts?${params}`);
    $('hist-source').textContent = r.source === 'history' ? '(SQLite history)' : '(recent alerts in memory)';
    // The Sensor column shows when the alerts name their sensors (a console's history: netguard console).
    const sensors = r.alerts.some((a) => a.sensor);
    $('hist-sensor').hidden = !sensors;
    const rows = r.alerts.map((a) => {
      const tr = el('tr');
      tr.dataset.id = String(a.id);
      if (sensors) tr.appendChild(el('td', 'nowrap', a.sensor || '-'));
      tr.appendChild(el('td', 'nowrap', timeOf(a.timestamp)));
      const sev = el('td', 'nowrap'); sev.appendChild(el('span', `badge sev-${SEVS.includes(a.severity) ? a.severity : 'LOW'}`, a.severity)); tr.appendChild(sev);
      cells(tr, [a.type, endpoint(a.src_ip, a.src_port), endpoint(a.dst_ip, a.dst_port), fmtInt(a.count), a.message], [3], [4]);
      return tr;
    });
    replaceRows(/** @type {HTMLElement} */ ($('history').querySelector('tbody')), rows);
    status.textContent = `${rows.length} alert${rows.length === 1 ? '' : 's'}`;
  } catch (e) {
    // Rows of an earlier search must not stay under a failed one as if they answered it.
    replaceRows(/** @type {HTMLElement} */ ($('history').querySelector('tbody')), []);
    $('hist-source').textContent = '';
    status.textContent = `search failed: ${e instanceof Error ? e.message : e}`;
    status.classList.add('error');
  }
}

/** The statistics last shown, and whether the WebSocket is open: together they make the state pill. */
let lastStats = null;
let wsOpen = false;

/**
 * The pill in the header: `live` while a live capture runs, `reading file` during a replay, `finished`
 * once the file has been read to its end (the page then shows the final numbers), `capture stopped`,
 * or `disconnected` when NetGuard is gone.
 */
function showState() {
  const pill = $('conn');
  const st = lastStats;
  let text = 'connecting', cls = 'off';
  if (!wsOpen) [text, cls] = [lastStats ? 'disconnected' : 'connecting', 'off'];
  else if (!st) [text, cls] = ['connected', 'on'];
  else if (st.live) [text, cls] = st.ended ? ['capture stopped', 'done'] : ['live', 'on'];
  else [text, cls] = st.ended ? ['finished', 'done'] : ['reading file', 'file'];
  pill.textContent = text;
  pill.className = `pill ${cls}`;
  pill.title = st && !st.live && st.ended ? `${st.source} was read to its end; the numbers are final` : '';
}

let retry = 500;
function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws`);
  ws.onopen = () => { wsOpen = true; showState(); retry = 500; };
  ws.onclose = () => {
    wsOpen = false; showState();
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10_000);
  };
  ws.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(String(m.data)); } catch { return; }
    if (msg.kind === 'alerts') addLive(msg.alerts);
    else if (msg.kind === 'stats') renderStats(msg.data);
  };
}

async function start() {
  try {
    const meta = await getJson('/api/meta');
    const sel = $('type');
    for (const t of meta.types) sel.appendChild(el('option', '', t));
  } catch { /* the search still works by text */ }
  try {
    const s = await getJson('/api/stats');
    renderStats(s);
    addLive([...s.alerts].reverse());
  } catch { /* the WebSocket fills in */ }
  $('search').addEventListener('submit', search);
  connect();
  void search();
}

void start();
