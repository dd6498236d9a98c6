// The live capture's settings (interface.snaplen, interface.buffer_size, interface.promiscuous): their
// defaults, the one-line messages for bad values, and the one warning line when the kernel begins to drop.
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultSettings, parseSettings } from '../../src/config/index.js';
import { DEFAULT_BUFFER_SIZE, DEFAULT_SNAPLEN } from '../../src/capture/index.js';
import { DropWatch } from '../../src/cli/run.js';

function err(text: string): string {
  try {
    parseSettings(text, 'settings.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('no error');
}

describe('capture settings', () => {
  it('default to tcpdump\'s snap length, a 128 MiB ring and promiscuous mode, the same numbers the capture uses', () => {
    const d = defaultSettings().interface;
    expect([d.snaplen, d.buffer_size, d.promiscuous]).toEqual([262144, 134217728, true]);
    expect([DEFAULT_SNAPLEN, DEFAULT_BUFFER_SIZE]).toEqual([d.snaplen, d.buffer_size]);
  });

  it('are read from the file', () => {
    const s = parseSettings('interface:\n  snaplen: 128\n  buffer_size: 1048576\n  promiscuous: false\n', 'settings.yaml').settings.interface;
    expect([s.snaplen, s.buffer_size, s.promiscuous]).toEqual([128, 1048576, false]);
  });

  it('bad values are one line each, naming file, line, column and the allowed range', () => {
    expect(err('interface:\n  snaplen: 10\n')).toBe('settings.yaml:2:12: interface.snaplen must be an integer from 64 to 262144 (got 10)');
    expect(err('interface:\n  snaplen: 300000\n')).toBe('settings.yaml:2:12: interface.snaplen must be an integer from 64 to 262144 (got 300000)');
    expect(err('interface:\n  buffer_size: 1000\n')).toBe('settings.yaml:2:16: interface.buffer_size must be an integer from 65536 to 1073741824 (got 1000)');
    expect(err('interface:\n  buffer_size: "64M"\n')).toBe('settings.yaml:2:16: interface.buffer_size must be an integer from 65536 to 1073741824 (got "64M")');
    expect(err('interface:\n  promiscuous: sometimes\n')).toBe('settings.yaml:2:16: interface.promiscuous must be true or false (got "sometimes")');
  });
});

describe('the warning when the kernel begins to drop', () => {
  it('is said once, when drops first appear, with the count and the share so far', () => {
    const said: string[] = [];
    const w = new DropWatch('eth0', (m) => said.push(m));
    w.check(null, 0);
    w.check({ kernel_packets: 1000, kernel_drops: 0, kernel_ifdrops: 0 }, 1000);
    expect(said).toEqual([]);
    w.check({ kernel_packets: 5000, kernel_drops: 250, kernel_ifdrops: 0 }, 4750);
    w.check({ kernel_packets: 9000, kernel_drops: 900, kernel_ifdrops: 0 }, 8100);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^warning: the kernel dropped 250 packets on eth0 \(5\.0% so far\): NetGuard is not keeping up and cannot see them; /);
  });
});
