// settings.yaml: defaults and deep merge, dot paths, errors with file:line:col, unknown-key suggestions,
// the shipped file, and the JSON Schemas under config/ being up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultSettings, getPath, loadSettings, parseSettings, setPath } from '../../src/config/index.js';
import { jsonSchemaTexts } from '../../src/config/json-schemas.js';
import { ALERT_TYPE_NAMES } from '../../src/config/schema.js';
import { ALERT_TYPES } from '../../src/alert/types.js';
import { ROOT } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-cfg-');

function err(text: string, file = 'settings.yaml'): ConfigError {
  try {
    parseSettings(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults and merge', () => {
  it("defaults are the seed's values", () => {
    const d = defaultSettings();
    expect(d.interface.default).toBe('eth0');
    expect(d.display).toMatchObject({ refresh_rate: 4, packet_history_size: 100 });
    expect(d.alerts).toMatchObject({ log_file: './alerts.json', enable_notifications: true, notification_cooldown: 5, max_log_entries: 1000 });
    expect(d.thresholds).toMatchObject({ port_scan: 100, syn_flood: 100, connection_flood: 50, port_sweep: 5 });
    expect(d.ip_reputation).toMatchObject({ score_threshold: 50, state_file: 'ip_reputation.json' });
  });

  it('a partial file is deep-merged over the defaults (nested maps too)', () => {
    const { settings, warnings } = parseSettings('thresholds:\n  syn_flood: 7\nip_reputation:\n  points:\n    SYN_SCAN: 1\nalerts:\n', 'settings.yaml');
    expect(warnings).toEqual([]);
    expect(settings.thresholds.syn_flood).toBe(7);
    expect(settings.thresholds.port_scan).toBe(100);
    expect(settings.ip_reputation.points.SYN_SCAN).toBe(1);
    expect(settings.ip_reputation.points.SYN_FLOOD).toBe(20);
    expect(settings.alerts.log_file).toBe('./alerts.json');
  });

  it('the shipped settings.yaml loads without warnings and states the defaults', () => {
    const r = loadSettings(path.join(ROOT, 'settings.yaml'));
    expect(r.warnings).toEqual([]);
    expect(r.settings).toEqual(defaultSettings());
    expect(readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./config/settings.schema.json');
    expect(readFileSync(path.join(ROOT, 'rules.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./config/rules.schema.json');
  });
});

describe('dot paths', () => {
  it('getPath and setPath', () => {
    const s = defaultSettings() as unknown as Record<string, unknown>;
    expect(getPath(s, 'thresholds.syn_flood')).toBe(100);
    expect(getPath(s, 'thresholds.nope')).toBeUndefined();
    expect(getPath(s, 'thresholds.syn_flood.x')).toBeUndefined();
    setPath(s, 'thresholds.syn_flood', 5);
    expect(getPath(s, 'thresholds.syn_flood')).toBe(5);
    setPath(s, 'new.section.key', 'v');
    expect(getPath(s, 'new.section.key')).toBe('v');
    expect(() => setPath(s, 'thresholds.syn_flood.deeper', 1)).toThrow(/is not a section/);
    expect(() => setPath(s, '__proto__.polluted', 1)).toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('errors name file, line and column', () => {
  it('a wrong type', () => {
    const e = err('# comment\nthresholds:\n  port_scan: 10\n  syn_flood: "fast"\n');
    expect(e.message).toBe('settings.yaml:4:14: thresholds.syn_flood must be a positive integer (got "fast")');
    expect(e.exitCode).toBe(2);
  });
  it('a value out of range, an enum, a boolean, a negative number', () => {
    expect(err('display:\n  refresh_rate: 100\n').message).toBe('settings.yaml:2:17: display.refresh_rate must be a positive number of at most 60 (got 100)');
    expect(err('alerts:\n  notification_min_severity: loud\n').message).toBe('settings.yaml:2:30: alerts.notification_min_severity must be one of LOW, WARNING, HIGH, CRITICAL (got "loud")');
    expect(err('alerts:\n  enable_notifications: yes please\n').message).toBe('settings.yaml:2:25: alerts.enable_notifications must be true or false (got "yes please")');
    expect(err('ip_reputation:\n  decay_per_hour: -1\n').message).toBe('settings.yaml:2:19: ip_reputation.decay_per_hour must be a non-negative number (got -1)');
  });
  it('every problem is reported, one line each', () => {
    const e = err('thresholds:\n  syn_flood: 0\n  port_sweep: 1.5\n');
    expect(e.problems).toEqual([
      'settings.yaml:2:14: thresholds.syn_flood must be a positive integer (got 0)',
      'settings.yaml:3:15: thresholds.port_sweep must be a positive integer (got 1.5)',
    ]);
  });
  it('a key indented one space too far is reported at its own line and colon, as PyYAML and yamllint do', () => {
    // PyYAML: 'mapping values are not allowed here, in "settings.yaml", line 3, column 13'; the yaml
    // package alone would say 2:14 (the value on the line above), twice.
    const e = err('thresholds:\n  syn_flood: 100\n   port_scan: 20\n');
    expect(e.message.split('\n')).toEqual([
      "settings.yaml:3:13: mapping values are not allowed here (the key on this line is indented deeper than the one on line 2, so it reads as part of that line's value)",
      '3 |    port_scan: 20',
      '  |             ^',
    ]);
    // The same fault deeper in a file, and in a file named by its path.
    const f = err('interface:\n  default: eth0\n  promiscuous: true\n   snaplen: 1500\n', 'conf/my settings.yaml');
    expect(f.message.split('\n')[0]).toMatch(/^conf\/my settings\.yaml:4:11: mapping values are not allowed here/);
  });

  it('broken YAML syntax gives its line and column', () => {
    expect(err('alerts:\n  log_file: "x\n').message).toMatch(/^settings\.yaml:\d+:\d+: Missing closing "quote/);
    expect(err('thresholds:\n  syn_flood: 1\n  syn_flood: 2\n').message).toBe('settings.yaml:3:3: Map keys must be unique\n3 |   syn_flood: 2\n  |   ^');
    expect(err('- a\n- b\n').message).toMatch(/^settings\.yaml:1:1: settings must be a mapping/);
  });
  it('a section that is not a mapping', () => {
    expect(err('thresholds: 5\n').message).toBe('settings.yaml:1:13: thresholds must be a mapping of settings (got 5)');
  });
});

describe('alerts.rate_limit', () => {
  it('takes a count and seconds per alert type', () => {
    const { settings } = parseSettings('alerts:\n  rate_limit:\n    SUSPICIOUS_PORT: {count: 20, seconds: 60}\n', 'settings.yaml');
    // The file's entry replaces that type's default budget; the other defaults stay (test/alert/storm.test.ts).
    expect(settings.alerts.rate_limit.SUSPICIOUS_PORT).toEqual({ count: 20, seconds: 60 });
    expect(settings.alerts.rate_limit.SQL_INJECTION).toEqual(defaultSettings().alerts.rate_limit.SQL_INJECTION);
  });
  it('an unknown alert type names itself, suggests the nearest and lists the types; a bad count is an error', () => {
    const e = err('alerts:\n  rate_limit:\n    SUSPICIUS_PORT: {count: 20, seconds: 60}\n');
    expect(e.message).toMatch(/^settings\.yaml:3:5: alerts\.rate_limit\.SUSPICIUS_PORT: "SUSPICIUS_PORT" is not a name this section knows \(did you mean SUSPICIOUS_PORT\?\); it must be one of SYN_SCAN, .*DECODE_ANOMALY$/);
    expect(e.exitCode).toBe(2);
    expect(err('alerts:\n  rate_limit:\n    SYN_SCAN: {count: 0, seconds: 60}\n').message).toBe('settings.yaml:3:23: alerts.rate_limit.SYN_SCAN.count must be a positive integer (got 0)');
  });
  it('knows exactly the alert types the funnel raises', () => {
    expect([...ALERT_TYPE_NAMES].sort()).toEqual([...ALERT_TYPES].sort());
  });
});

describe('unknown keys warn with the nearest known key', () => {
  it('typos at the top level and inside sections; keys in the wrong section', () => {
    const { settings, warnings } = parseSettings('thresolds:\n  syn_flood: 3\nalerts:\n  notifcation_cooldown: 9\n  console: false\nsyn_flood: 4\nzzz: 1\n', 'settings.yaml');
    expect(warnings).toEqual([
      "settings.yaml:1:1: unknown key 'thresolds' (did you mean 'thresholds'?)",
      "settings.yaml:4:3: unknown key 'alerts.notifcation_cooldown' (did you mean 'notification_cooldown'?)",
      "settings.yaml:6:1: unknown key 'syn_flood' (did you mean 'thresholds.syn_flood'?)",
      "settings.yaml:7:1: unknown key 'zzz'",
    ]);
    // Known keys next to the unknown ones still apply; unknown ones are ignored.
    expect(settings.alerts.console).toBe(false);
    expect(settings.thresholds.syn_flood).toBe(100);
  });
});

describe('files', () => {
  it('the default path missing: defaults, no warning; an explicit missing file: ConfigError', () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(loadSettings(null)).toEqual({ settings: defaultSettings(), warnings: [], path: null, given: {} });
      writeFileSync('settings.yaml', 'display:\n  refresh_rate: 2\n');
      expect(loadSettings(null).settings.display.refresh_rate).toBe(2);
      expect(loadSettings(null).path).toBe('./settings.yaml');
    } finally {
      process.chdir(cwd);
    }
    expect(() => loadSettings(path.join(dir, 'nope.yaml'))).toThrow(ConfigError);
    expect(() => loadSettings(path.join(dir, 'nope.yaml'))).toThrow(/nope\.yaml: settings file not found/);
  });
  it('messages use the path as given', () => {
    const dir = tempDir();
    const f = path.join(dir, 'custom.yaml');
    writeFileSync(f, 'display:\n  refresh_rate: fast\n');
    expect(() => loadSettings(f)).toThrow(`${f}:2:17: display.refresh_rate must be a positive number of at most 60 (got "fast")`);
  });
});

describe('JSON Schemas', () => {
  it('config/*.schema.json are up to date (regenerate: node --import tsx src/config/json-schemas.ts)', () => {
    for (const [rel, text] of Object.entries(jsonSchemaTexts())) {
      expect(readFileSync(path.join(ROOT, rel), 'utf8'), `${rel} is stale`).toBe(text);
    }
  });
  it('the settings schema knows the sections and their defaults', () => {
    const js = JSON.parse(jsonSchemaTexts()['config/settings.schema.json']) as { properties: Record<string, { properties: Record<string, { default?: unknown }> }> };
    expect(js.properties.thresholds.properties.syn_flood.default).toBe(100);
    expect(Object.keys(js.properties)).toEqual(expect.arrayContaining(['interface', 'display', 'alerts', 'thresholds', 'ip_reputation']));
  });
});
