import Database from 'better-sqlite3';
import fs from 'node:fs';
const SCHEMA = fs.readFileSync('src/history/store.ts','utf8').split('const SCHEMA = `')[1].split('`;')[0];
for (const variant of ['named', 'positional', 'noidx']) {
  const f = `/tmp/storm-w/sq-${variant}.db`; for (const x of [f, f+'-wal', f+'-shm']) fs.rmSync(x, {force:true});
  const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
  db.exec(variant === 'noidx' ? SCHEMA.split('CREATE INDEX')[0] : SCHEMA);
  const cols = 'run, alert_id, ts, last_seen, stored_at, type, severity, sev_rank, message, src_ip, dst_ip, src_port, dst_port, proto, count, community_id, details';
  const named = db.prepare(`INSERT INTO alerts (${cols}) VALUES (${cols.split(', ').map(c=>'@'+c).join(', ')}) ON CONFLICT (run, alert_id) DO UPDATE SET count = excluded.count`);
  const pos = db.prepare(`INSERT INTO alerts (${cols}) VALUES (${cols.split(', ').map(()=>'?').join(', ')}) ON CONFLICT (run, alert_id) DO UPDATE SET count = excluded.count`);
  const N = 200000;
  const rows = Array.from({length: N}, (_, k) => ({ run: 'abc', alert_id: `1700-${k}`, ts: 1700000000000 + k, last_seen: 1700000000000 + k, stored_at: Date.now(), type: 'SQL_INJECTION', severity: 'HIGH', sev_rank: 2, message: `SQL injection attempt from 1.2.${k>>8&255}.${k&255}: GET /item.php?id=1'%20OR%201=1--`, src_ip: `1.2.${k>>8&255}.${k&255}`, dst_ip: '10.0.0.2', src_port: 1024+k%60000, dst_port: 80, proto: 'TCP', count: 1, community_id: '1:abcdefghijabcdefghij=', details: JSON.stringify({method:'GET', uri:"/item.php?id=1'%20OR%201=1--", where:'uri', pattern:'tautology', patterns:['tautology']}) }));
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i += 1000) {
    const tx = db.transaction((b: typeof rows) => { for (const r of b) variant === 'named' ? named.run(r) : pos.run(r.run, r.alert_id, r.ts, r.last_seen, r.stored_at, r.type, r.severity, r.sev_rank, r.message, r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.proto, r.count, r.community_id, r.details); });
    tx(rows.slice(i, i + 1000));
  }
  const c = process.cpuUsage(c0);
  console.log(variant, ((c.user + c.system) / 1e6).toFixed(2), 's', (N / ((c.user + c.system) / 1e6) / 1000).toFixed(1), 'k rows/s');
  db.close();
}
