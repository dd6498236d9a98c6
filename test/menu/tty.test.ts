// The menu in a (pretend) terminal: paging, Ctrl-C at prompts and at the menu, Ctrl-D, and 21.
process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import { FakeBackend, TtySession } from './fake-backend.js';

const MENU = 'Choice [1-24]: ';
const MORE = '-- more (space, q) --';
const CTRL_C = '\x03';
const CTRL_D = '\x04';

/** Packet rows as printed ("  7  18:07:..."); a carriage return (the pager erasing its prompt) starts a line too. */
function packetNumbers(text: string): number[] {
  return text
    .split(/\r?\n|\r/)
    .filter((l) => /^\s*\d+ {2}\d\d:\d\d:\d\d\.\d{3} /.test(l))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** Waits until `ok` holds (the pager redraws its prompt line, so counting prompts cannot tell pages apart). */
async function until(ok: () => boolean, text: () => string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out; output:\n${text()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('paging in a terminal', () => {
  it('shows 20 rows, waits at "-- more (space, q) --", and Enter shows the rest', async () => {
    const s = new TtySession();
    await s.waitFor(MENU);
    s.send('1\r');
    await s.waitFor(MORE);
    expect(packetNumbers(s.text)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    s.send('\r');
    await s.waitFor(MENU, 2);
    expect(packetNumbers(s.text)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(s.count(MORE)).toBe(1);
    s.send(CTRL_D);
    await s.done;
  });

  it('space shows the next page and q stops at once, without Enter', async () => {
    const s = new TtySession(new FakeBackend(), 10);
    await s.waitFor(MENU);
    s.send('1\r');
    await s.waitFor(MORE);
    expect(packetNumbers(s.text)).toHaveLength(10);
    s.send(' ');
    await until(() => packetNumbers(s.text).length === 20, () => s.text);
    await s.waitFor(MORE, 2);
    s.send('q');
    await s.waitFor(MENU, 2);
    expect(s.text).toContain('(5 more rows not shown)');
    expect(packetNumbers(s.text)).toHaveLength(20);
    // Neither key went into the next line: the menu reads 21 alone.
    s.send('21\r');
    await s.done;
  });

  it('Ctrl-C at "more" stops paging too', async () => {
    const s = new TtySession(new FakeBackend(), 10);
    await s.waitFor(MENU);
    s.send('1\r');
    await s.waitFor(MORE);
    s.send(CTRL_C);
    await s.waitFor(MENU, 2);
    expect(s.text).toContain('(15 more rows not shown)');
    s.send('21\r');
    await s.done;
    expect(s.backend instanceof FakeBackend && s.backend.closed).toBe(1);
  });

  it('Ctrl-D at "more" exits and closes the backend', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b, 10);
    await s.waitFor(MENU);
    s.send('1\r');
    await s.waitFor(MORE);
    s.send(CTRL_D);
    await s.done;
    expect(b.closed).toBe(1);
  });

  it('short output is not paged', async () => {
    const s = new TtySession();
    await s.waitFor(MENU);
    s.send('9\r');
    await s.waitFor(MENU, 2);
    expect(s.text).not.toContain(MORE);
    expect(s.text).toContain('1.1.168.192.in-addr.arpa');
    s.send(CTRL_D);
    await s.done;
  });

  it('at 100 columns tables are cut to the width; 22 and 18 show conditions and messages whole', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    (s.output as unknown as { columns: number }).columns = 100;
    await s.waitFor(MENU);
    s.send('2\r');
    await s.waitFor(MENU, 2);
    s.send('22\r');
    await s.waitFor(MENU, 3);
    const lines = s.text.split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(100);
    // Option 2's rows are wider than 100 columns: cut, marked with "…".
    expect(lines.find((l) => l.includes('192.168.1.61'))!.endsWith('…')).toBe(true);
    const at = lines.findIndex((l) => l.includes('SSH Bruteforce Detection  enabled'));
    // Too little room is left beside the other columns: the condition goes on lines of its own under the row.
    expect(lines[at]).not.toContain('tcp.');
    const next = lines.slice(at + 1);
    const cont = next.slice(0, next.findIndex((l) => !/^ {2}\S/.test(l) || /^\s*\d+ {2}\S/.test(l)));
    const condition = cont.map((l) => l.trim()).join(' ');
    expect(condition).toBe('tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack');
    // 18: each message whole, on the row's line or continued under it, never cut.
    b.alertList[0].message = 'SYN flood to 192.168.1.1:80 from 203.0.113.9: 400 SYN packets without an answer in 1.0 s';
    s.send('18\r');
    await s.waitFor('for its evidence');
    const text = s.text.slice(s.text.lastIndexOf('\n18. Show recent alerts\n'));
    for (const l of text.split('\n')) expect(l.length, l).toBeLessThanOrEqual(100);
    expect(text.replace(/\n\s+/g, ' ')).toContain(b.alertList[0].message);
    expect(text).not.toContain('…');
    s.send('\r');
    await s.waitFor(MENU, 4);
    s.send(CTRL_D);
    await s.done;
  });
});

describe('Ctrl-C and Ctrl-D', () => {
  it('Ctrl-C at every prompt returns to the menu without calling the backend', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    const prompts: [string, string][] = [
      ['3', 'IP address: '],
      ['4', 'Port (0-65535): '],
      ['5', 'Protocol ('],
      ['8', 'Connection number (1-4) or id: '],
      ['14', 'IP address to check: '],
      ['15', 'Address or CIDR block to add to the blacklist (-ADDR removes one): '],
      ['16', 'Address or CIDR block to add to the whitelist (-ADDR removes one): '],
      ['17', 'Address or CIDR block to add to the known malicious IPs (-ADDR removes one): '],
      ['23', 'Rule number (1-2) or name: '],
    ];
    await s.waitFor(MENU);
    let menus = 1;
    for (const [i, [opt, prompt]] of prompts.entries()) {
      s.send(`${opt}\r`);
      await s.waitFor(prompt);
      // Half-typed input is dropped with the Ctrl-C.
      s.send(`1.2${CTRL_C}`);
      await s.waitFor('(cancelled)', i + 1);
      menus++;
      await s.waitFor(MENU, menus);
    }
    expect(b.blacklist).toEqual([]);
    expect(b.whitelist).toEqual([]);
    expect(b.malicious).toEqual([]);
    expect(b.calls).toEqual([]);
    expect(b.closed).toBe(0);
    // Still working after all that.
    s.send('19\r');
    await s.waitFor('Total alerts: 3');
    s.send('21\r');
    await s.done;
    expect(b.closed).toBe(1);
  });

  it('after Ctrl-C the next answer starts empty', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    await s.waitFor(MENU);
    s.send('15\r');
    await s.waitFor('Address or CIDR block to add to the blacklist (-ADDR removes one): ');
    s.send(`10.9.9${CTRL_C}`);
    await s.waitFor('(cancelled)');
    s.send('15\r');
    await s.waitFor('Address or CIDR block to add to the blacklist (-ADDR removes one): ', 2);
    s.send('192.0.2.77\r');
    await s.waitFor('Added 192.0.2.77');
    expect(b.blacklist).toEqual(['192.0.2.77']);
    s.send(CTRL_D);
    await s.done;
  });

  it('one Ctrl-C at the menu explains how to leave; a second one exits', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    await s.waitFor(MENU);
    s.send(CTRL_C);
    await s.waitFor('(Press Ctrl-C again, Ctrl-D or enter 21 to exit.)');
    expect(b.closed).toBe(0);
    s.send(CTRL_C);
    await s.done;
    expect(b.closed).toBe(1);
  });

  it('a choice between two Ctrl-Cs resets the count', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    await s.waitFor(MENU);
    s.send(CTRL_C);
    await s.waitFor('(Press Ctrl-C again');
    s.send('10\r');
    await s.waitFor('www.example.org');
    s.send(CTRL_C);
    await s.waitFor('(Press Ctrl-C again', 2);
    expect(b.closed).toBe(0);
    s.send(CTRL_D);
    await s.done;
    expect(b.closed).toBe(1);
  });

  it('Ctrl-D at the menu exits cleanly and closes the backend once', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    await s.waitFor(MENU);
    s.send(CTRL_D);
    await s.done;
    expect(b.closed).toBe(1);
    expect(s.text.trimEnd().endsWith('Saving state and exiting.')).toBe(true);
  });

  it('Ctrl-D at a prompt exits as well', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    await s.waitFor(MENU);
    s.send('23\r');
    await s.waitFor('Rule number (1-2) or name: ');
    s.send(CTRL_D);
    await s.done;
    expect(b.calls).toEqual([]);
    expect(b.closed).toBe(1);
  });

  it('21 exits and closes the backend', async () => {
    const b = new FakeBackend();
    const s = new TtySession(b);
    await s.waitFor(MENU);
    s.send('21\r');
    await s.done;
    expect(b.closed).toBe(1);
  });

  it('a bad answer in a terminal re-asks the same question', async () => {
    const s = new TtySession();
    await s.waitFor(MENU);
    s.send('4\r');
    await s.waitFor('Port (0-65535): ');
    s.send('99999\r');
    await s.waitFor('Port 99999 is out of range; enter a whole number from 0 to 65535.');
    await s.waitFor('Port (0-65535): ', 2);
    s.send('443\r');
    await s.waitFor('No packets on port 443 (https).');
    s.send(CTRL_D);
    await s.done;
  });
});
