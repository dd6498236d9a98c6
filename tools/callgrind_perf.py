"""Reading a callgrind run of node (--dump-instr=yes) with V8's perf map (node --perf-basic-prof): shared by tools/cg*.py."""
import bisect
import re


class PerfMap:
    """V8's /tmp/perf-PID.map: the name of the JIT code at an address."""

    def __init__(self, path):
        rows = []
        for line in open(path):
            a, s, n = line.rstrip('\n').split(' ', 2)
            rows.append((int(a, 16), int(a, 16) + int(s, 16), n))
        rows.sort()
        self.starts = [r[0] for r in rows]
        self.rows = rows

    def name(self, addr):
        i = bisect.bisect_right(self.starts, addr) - 1
        return self.rows[i][2] if i >= 0 and addr < self.rows[i][1] else None

    def span(self, substring):
        """(start, end) of the last optimized function (JS:*) whose name holds substring, or (None, None)."""
        found = (None, None)
        for lo, hi, n in self.rows:
            if n.startswith('JS:*') and substring in n:
                found = (lo, hi)
        return found


class Names:
    """callgrind's name compression: `(12) name` defines id 12, a later `(12)` refers to it."""

    def __init__(self):
        self.ids = {}

    def __call__(self, spec):
        m = re.match(r'\((\d+)\)(?: (.*))?', spec)
        if not m:
            return spec
        if m.group(2) is not None:
            self.ids[m.group(1)] = m.group(2)
        return self.ids.get(m.group(1), spec)


UNKNOWN = re.compile(r'^0x[0-9a-f]+$')


def cost_lines(path):
    """Yields (kind, value, addr, cost) per line of a callgrind file: kind 'fn', 'cfn' or 'calls' with value
    the text after '=', or 'cost' with the line's address (relative ones resolved) and its last number."""
    last = 0
    for line in open(path):
        if line.startswith('fn='):
            yield 'fn', line[3:].strip(), last, 0
        elif line.startswith('cfn='):
            yield 'cfn', line[4:].strip(), last, 0
        elif line.startswith('calls='):
            yield 'calls', line[6:].strip(), last, 0
        elif line[:1] and (line[0].isdigit() or line[0] in '+-*'):
            parts = line.split()
            a = parts[0]
            if a.startswith('0x'):
                last = int(a, 16)
            elif a.startswith('+'):
                last += int(a[1:], 0)
            elif a.startswith('-'):
                last -= int(a[1:], 0)
            yield 'cost', None, last, int(parts[-1]) if len(parts) > 1 else 0
