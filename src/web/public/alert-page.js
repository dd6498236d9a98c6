// NetGuard web dashboard: the alert page (#alert/ID): the alert, its evidence counts, the flows it
// involved, its packets narrowed by a display filter, and a link that downloads its pcap. A click on a
// live alert or a history row opens it. Every value from the wire is set with textContent, never as HTML.
'use strict';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} tag @param {string} [cls] @param {unknown} [text] */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

const endpoint = (ip, port) => (!ip ? '-' : !port ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const timeOf = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** @param {HTMLElement} tbody @param {unknown[][]} rows */
function fill(tbody, rows) {
  tbody.replaceChildren(...rows.map((r) => {
    const tr = el('tr');
    for (const v of r) tr.appendChild(el('td', 'nowrap', v));
    return tr;
  }));
}

function currentId() {
  const m = /^#alert\/(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function show() {
  const id = currentId();
  const page = $('alert-page');
  if (id === null) {
    page.hidden = true;
    return;
  }
  page.hidden = false;
  const filter = /** @type {HTMLInputElement} */ ($('ev-filter')).value;
  const err = $('ev-error');
  err.textContent = '';
  const r = await fetch(`/api/alerts/${encodeURIComponent(id)}/evidence?filter=${encodeURIComponent(filter)}`, { credentials: 'same-origin' });
  const body = await r.json().catch(() => ({ error: `${r.status}` }));
  if (!r.ok) {
    err.textContent = body.excerpt ? `display filter error at ${body.excerpt}` : String(body.error ?? r.status);
    if (!body.excerpt) { $('ev-title').textContent = `Alert ${id}`; fill(/** @type {HTMLElement} */ ($('ev-packets').querySelector('tbody')), []); }
    return;
  }
  const a = body.alert ?? {};
  $('ev-title').textContent = `${a.severity ?? ''} ${a.type ?? ''} — alert ${id}`;
  $('ev-message').textContent = a.message ?? '';
  $('ev-who').textContent = `${endpoint(a.src_ip, a.src_port)} → ${endpoint(a.dst_ip, a.dst_port)}  ${a.timestamp ?? ''}${a.count > 1 ? `  ×${a.count}` : ''}`;
  const link = /** @type {HTMLAnchorElement} */ ($('ev-pcap'));
  link.href = `/api/alerts/${encodeURIComponent(id)}/pcap`;
  link.setAttribute('download', `alert-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.pcap`);
  const ev = body.evidence;
  const flows = ev ? ev.flows : (body.stored?.flows ?? []);
  if (ev) {
    $('ev-counts').textContent = `${fmtInt(ev.seen)} packets in the episode${ev.open ? ' (still open)' : ''}, ${fmtInt(ev.kept)} kept, ${fmtInt(ev.fromLookback)} from before the alert, ${fmtInt(ev.evicted)} evicted, ${fmtInt(ev.overBudget)} over the alert's budget` +
      (ev.sourceFile ? (ev.complete ? `; the pcap reads all ${fmtInt(ev.indexed)} back from ${ev.sourceFile}` : `; ${fmtInt(ev.indexed)} positions in ${ev.sourceFile}`) : '');
  } else if (body.stored) {
    $('ev-counts').textContent = `an earlier run (${body.stored.kind}: ${body.stored.source}); ${fmtInt(body.stored.seen)} packets in the episode; the pcap link gives those still available`;
  } else {
    $('ev-counts').textContent = 'No packets are kept for this alert.';
  }
  fill(/** @type {HTMLElement} */ ($('ev-flows').querySelector('tbody')), flows.map((f) => [f.proto, endpoint(f.src, f.srcPort), endpoint(f.dst, f.dstPort), f.state || '-', fmtInt(f.packets), fmtInt(f.bytes), f.community_id, f.flow_id]));
  const pk = ev ? ev.packets : [];
  $('ev-shown').textContent = ev ? `${fmtInt(pk.length)} of ${fmtInt(body.total)}` : '';
  fill(/** @type {HTMLElement} */ ($('ev-packets').querySelector('tbody')), pk.slice(0, 2000).map((p) => [p.n, timeOf(p.ts), p.proto, endpoint(p.src, p.srcPort), endpoint(p.dst, p.dstPort), p.len, p.info]));
}

document.addEventListener('click', (e) => {
  const t = /** @type {HTMLElement} */ (e.target);
  const row = t.closest?.('#live li[data-id], #history tr[data-id]');
  if (row instanceof HTMLElement && row.dataset.id) {
    location.hash = `alert/${encodeURIComponent(row.dataset.id)}`;
    $('alert-page').scrollIntoView();
  }
});
window.addEventListener('hashchange', () => void show());
$('ev-filter-form').addEventListener('submit', (e) => { e.preventDefault(); void show(); });
$('ev-close').addEventListener('click', () => { location.hash = ''; });
void show();
