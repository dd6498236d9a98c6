// The dashboard: header, the five panels laid out for the terminal's size, overlays and the keys.
// It renders what the engine publishes (EngineControl.snapshot(), polled at refreshHz) and never
// reaches into detectors.
import path from 'node:path';
import React, { useCallback, useRef, useState } from 'react';
import { Box, useApp, useInput, type Key } from 'ink';
import { EMPTY_STATS, type EngineControl, type RuleView, type Snapshot } from '../engine/types.js';
import { AlertsPanel } from './AlertsPanel.js';
import { ConnectionsPanel } from './ConnectionsPanel.js';
import { Footer, type StatusMessage } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { HistoryOverlay, historyRoom } from './HistoryOverlay.js';
import { EvidenceOverlay, evidenceRoom } from './EvidenceOverlay.js';
import { orderAlerts, useAlertDrill } from './use-alert-drill.js';
import { orderConnections, orderTalkers, usePanelNav } from './use-panel-nav.js';
import { PacketFeed } from './PacketFeed.js';
import { RulesOverlay } from './RulesOverlay.js';
import { StatsPanel } from './StatsPanel.js';
import { TalkersPanel } from './TalkersPanel.js';
import { nextFilter, type ProtoFilter } from './filter.js';
import { fmtInt } from './format.js';
import { computeLayout, GAP, type PanelId } from './layout.js';
import { useNewAlertsWhilePaused } from './use-alert-count.js';
import { useAlertHistory } from './use-alert-history.js';
import { useSnapshot } from './use-snapshot.js';
import { useTerminalSize } from './use-terminal-size.js';
import { exportPattern, nextExportPath } from './export-name.js';

export interface DashboardProps {
  control: EngineControl;
  /** Snapshot polls (and redraws) per second: display.refresh_rate. */
  refreshHz: number;
  /** Packets shown in the feed at most: display.packet_history_size. */
  historySize: number;
  title?: string;
  /**
   * Where `e` writes: each export is a new file named after this one with the local time added
   * (capture.pcap gives capture-20261205-174501.pcap, then -2, -3 within one second); a relative path
   * resolves against exportDir. Default capture.pcap.
   */
  exportPath?: string;
  /** The directory relative export paths resolve against (-l/--log-dir); default the working directory. */
  exportDir?: string;
  /** The wall clock that names exports; tests pass a fixed one. Default the system clock. */
  clock?: () => Date;
  /** Called once when the user quits (q or Ctrl+C), before the app unmounts. */
  onQuit?: () => void;
}

type Overlay = 'none' | 'help' | 'rules' | 'history' | 'evidence';

const EMPTY: Snapshot = {
  ts: 0,
  stats: EMPTY_STATS,
  alerts: [],
  alertCounts: { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 },
  connections: [],
  topByBytes: [],
  topByPackets: [],
  packets: [],
  rules: [],
};

export function Dashboard({ control, refreshHz, historySize, title = 'NetGuard', exportPath = 'capture.pcap', exportDir = '.', clock = () => new Date(), onQuit }: DashboardProps): React.JSX.Element {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState<ProtoFilter>('ALL');
  const [overlay, setOverlayState] = useState<Overlay>('none');
  const [reloadError, setReloadError] = useState<string | null>(null);
  // Keys can arrive several in one read (fast typing, tmux send-keys, a busy event loop), and each must
  // see the overlay the previous one opened, so the current overlay is also kept in a ref.
  const overlayRef = useRef<Overlay>('none');
  const setOverlay = useCallback((o: Overlay) => {
    overlayRef.current = o;
    setOverlayState(o);
  }, []);
  const [message, setMessage] = useState<StatusMessage | null>(null);
  const [ruleIndex, setRuleIndexState] = useState(0);
  const ruleIndexRef = useRef(0);
  const setRuleIndex = useCallback((f: (i: number) => number) => {
    ruleIndexRef.current = f(ruleIndexRef.current);
    setRuleIndexState(ruleIndexRef.current);
  }, []);
  const [rules, setRulesState] = useState(() => EMPTY.rules);
  const rulesRef = useRef(EMPTY.rules);
  const setRules = useCallback((r: RuleView[]) => {
    rulesRef.current = r;
    setRulesState(r);
  }, []);
  const quitting = useRef(false);
  const exporting = useRef(false);

  const { snapshot, error, refresh, replace } = useSnapshot(control, refreshHz, paused);
  const newWhilePaused = useNewAlertsWhilePaused(control, paused);
  const snap = snapshot ?? EMPTY;
  const history = useAlertHistory(control);
  /** Rows the history overlay shows (a page for PgUp/PgDn), from the last drawn layout. */
  const historyRoomRef = useRef(1);
  const drill = useAlertDrill(control, setMessage, exportDir);
  const nav = usePanelNav(setMessage);
  const evidenceRoomRef = useRef(1);

  /** Rules come straight from the engine, also while paused, so toggles show their real state. */
  const loadRules = useCallback(() => {
    try {
      const r = control.snapshot().rules;
      setRules(r);
      return r;
    } catch {
      return null;
    }
  }, [control]);

  const doExport = useCallback(() => {
    if (exporting.current) return;
    exporting.current = true;
    // A new file per export: earlier exports (and any other file) are never overwritten.
    const target = nextExportPath(path.resolve(exportDir, exportPath), clock());
    setMessage({ text: `Exporting to ${target}…`, kind: 'info' });
    control
      .exportPcap(target)
      .then(
        (r) => setMessage({ text: `Exported ${fmtInt(r.count)} packet${r.count === 1 ? '' : 's'} to ${r.path}`, kind: 'ok' }),
        (e: unknown) => setMessage({ text: `Export failed: ${(e as Error).message ?? String(e)}`, kind: 'error' }),
      )
      .finally(() => {
        exporting.current = false;
      });
  }, [control, exportPath, exportDir, clock]);

  const toggleSelected = useCallback(() => {
    const rule = rulesRef.current[ruleIndexRef.current];
    if (!rule) return;
    const state = control.toggleRule(rule.name);
    const notes = control.ruleNotes?.() ?? [];
    const failed = notes.some((n) => !n.saved);
    if (state === null) setMessage({ text: `No rule named "${rule.name}"`, kind: 'error' });
    else setMessage({ text: [`Rule "${rule.name}" ${state ? 'enabled' : 'disabled'}`, ...notes.map((n) => n.text)].join('; '), kind: failed ? 'error' : 'ok' });
    loadRules();
  }, [control, loadRules]);

  const reload = useCallback(() => {
    let r: { ok: boolean; message: string };
    try {
      r = control.reloadRules();
    } catch (e) {
      r = { ok: false, message: (e as Error).message };
    }
    // A failure's reason spans lines (file:line:col, the source line, a caret): the rules view shows it whole.
    setReloadError(r.ok ? null : r.message);
    setMessage(r.ok ? { text: `Reload: ${r.message}`, kind: 'ok' } : { text: 'Reload failed: the running rules stay (the rules view shows why)', kind: 'error' });
    const next = loadRules();
    if (next) setRuleIndex((i) => Math.min(i, Math.max(0, next.length - 1)));
    if (!r.ok) setOverlay('rules');
  }, [control, loadRules, setOverlay]);

  const onKey = (input: string, key: Key): void => {
    if (quitting.current) return;
    const overlay = overlayRef.current;
    const quit = (): void => {
      quitting.current = true;
      onQuit?.();
      exit();
    };
    if (key.ctrl && input === 'c') {
      quit();
      return;
    }
    // While a history search is typed, every key is text (q, h and p included), except Ctrl+C.
    if (overlay === 'history' && history.editing()) {
      history.key(input, key, historyRoomRef.current);
      return;
    }
    if (overlayRef.current === 'none' && nav.draft !== null) {
      nav.key(input, key);
      return;
    }
    if (input === 'q') {
      quit();
      return;
    }
    if (overlay === 'history') {
      const action = history.key(input, key, historyRoomRef.current);
      if (action === 'close') setOverlay('none');
      else if (action === 'help') setOverlay('help');
      return;
    }
    if (overlay === 'evidence') {
      if (drill.evidenceKey(input, key, evidenceRoomRef.current) === 'close') setOverlay('none');
      return;
    }
    if (overlay === 'none' && nav.key(input, key)) return;
    if (overlay === 'none' && nav.focus === 'alerts') {
      const used = drill.panelKey(input, key, snap.alerts);
      if (used === 'open') setOverlay('evidence');
      if (used !== 'not mine') return;
    }
    if (overlay === 'rules') {
      if (key.upArrow || input === 'k') setRuleIndex((i) => Math.max(0, i - 1));
      else if (key.downArrow || input === 'j') setRuleIndex((i) => Math.min(Math.max(0, rulesRef.current.length - 1), i + 1));
      else if (input === ' ' || key.return) toggleSelected();
      else if (input === 'R' || input === 'l') reload();
      else if (key.escape || input === 'r') setOverlay('none');
      else if (input === '?') setOverlay('help');
      return;
    }
    if (overlay === 'help' && (key.escape || input === '?')) {
      setOverlay('none');
      return;
    }
    switch (input) {
      case 'p':
        setPaused((p) => !p);
        break;
      case 'f':
        setFilter((f) => nextFilter(f));
        break;
      case 'e':
        doExport();
        break;
      case 'c': {
        control.clearAlerts();
        // A frozen display drops the cleared alerts too; a live one takes a fresh snapshot.
        const fresh = paused ? null : refresh();
        if (!fresh) replace({ ...snap, alerts: [], alertCounts: { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 } });
        setMessage({ text: 'Alerts cleared', kind: 'ok' });
        break;
      }
      case '?':
        setOverlay('help');
        break;
      case 'r':
        loadRules();
        setOverlay('rules');
        break;
      case 'h':
        history.open();
        setOverlay('history');
        break;
      case 'R':
      case 'l':
        reload();
        break;
      default:
        break;
    }
  };

  useInput((input, key) => {
    // Plain characters typed faster than they are read come in one string: handle them one by one.
    if (input.length > 1 && !key.ctrl && !key.meta && !input.includes('\x1b')) {
      for (const ch of input) onKey(ch, key);
    } else {
      onKey(input, key);
    }
  });

  const lay = computeLayout(columns, rows);
  const body = lay.height - 2;
  historyRoomRef.current = historyRoom(body);
  const footer: StatusMessage | null =
    nav.draft !== null
      ? message?.kind === 'error'
        ? { text: `${message.text}  Display filter: ${nav.draft}▏`, kind: 'error' }
        : { text: `Display filter: ${nav.draft}▏ (Enter apply, Esc cancel)`, kind: 'info' }
      : (message ?? (error ? { text: `Snapshot failed: ${error}`, kind: 'error' } : null));

  let main: React.ReactNode;
  if (overlay === 'help') {
    main = <HelpOverlay width={lay.width} height={body} exportPath={exportPattern(path.resolve(exportDir, exportPath))} />;
  } else if (overlay === 'history') {
    main = <HistoryOverlay state={history.state} width={lay.width} height={body} />;
  } else if (overlay === 'evidence' && drill.open) {
    evidenceRoomRef.current = evidenceRoom(body, drill.open.evidence?.flows.length ?? 0);
    main = <EvidenceOverlay alert={drill.open.alert} evidence={drill.open.evidence} offset={drill.offset} width={lay.width} height={body} />;
  } else if (overlay === 'rules') {
    main = <RulesOverlay rules={rules} selected={Math.min(ruleIndex, Math.max(0, rules.length - 1))} width={lay.width} height={body} error={reloadError} />;
  } else {
    const panel = (id: PanelId, width: number, height: number): React.ReactNode => {
      switch (id) {
        case 'stats':
          return <StatsPanel key={id} stats={snap.stats} capture={snap.capture ?? null} width={width} height={height} />;
        case 'alerts':
          return (
            <AlertsPanel
              key={id}
              alerts={orderAlerts(snap.alerts, drill.order)}
              counts={snap.alertCounts}
              folded={snap.alertsFolded?.folded ?? 0}
              width={width}
              height={height}
              selectedId={drill.selectedId}
              sortNote={(nav.focus === 'alerts' ? '◆ ' : '') + (drill.order === 'newest' ? '' : `by ${drill.order}`)}
            />
          );
        case 'connections':
          return (
            <ConnectionsPanel
              key={id}
              connections={orderConnections(snap.connections.filter(nav.filter), nav.connOrder).slice(nav.connOffset)}
              filter={filter}
              now={snap.ts}
              width={width}
              height={height}
              extraNote={`${nav.focus === 'connections' ? '◆ ' : ''}${nav.connOrder === 'recent' ? '' : `by ${nav.connOrder} `}${nav.connOffset > 0 ? `from ${nav.connOffset + 1} ` : ''}${nav.filterText ? `/${nav.filterText}` : ''}`.trim()}
            />
          );
        case 'talkers':
          return (
            <TalkersPanel
              key={id}
              byBytes={orderTalkers(snap.topByBytes, nav.talkerOrder).slice(nav.talkerOffset)}
              byPackets={orderTalkers(snap.topByPackets, nav.talkerOrder).slice(nav.talkerOffset)}
              width={width}
              height={height}
              note={`${nav.focus === 'talkers' ? '◆ ' : ''}${nav.talkerOrder === 'address' ? 'by address ' : ''}${nav.talkerOffset > 0 ? `from ${nav.talkerOffset + 1}` : ''}`.trim()}
            />
          );
        case 'feed':
          return (
            <PacketFeed
              key={id}
              packets={nav.filterText ? snap.packets.filter(nav.filter) : snap.packets}
              filter={filter}
              historySize={historySize}
              width={width}
              height={height}
              extraNote={nav.filterText ? `/${nav.filterText}` : ''}
            />
          );
      }
    };
    main = lay.rows.map((row) => (
      <Box key={row.panels.map((p) => p.id).join('+')} flexDirection="row" height={row.height} gap={GAP} flexShrink={0}>
        {row.panels.map((p) => panel(p.id, p.width, row.height))}
      </Box>
    ));
  }

  return (
    <Box flexDirection="column" width={lay.width} height={lay.height} overflow="hidden">
      <Header
        title={title}
        source={snap.stats.source}
        live={snap.stats.live}
        ended={snap.stats.ended === true}
        paused={paused}
        newWhilePaused={newWhilePaused}
        filter={filter}
        ts={snap.ts}
        width={lay.width}
      />
      <Box flexDirection="column" height={body} overflow="hidden">
        {main}
      </Box>
      <Footer message={footer} width={lay.width} />
    </Box>
  );
}
