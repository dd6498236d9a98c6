// Gives back to the bundle's top-level constants the `const` that esbuild turned into `var`, so V8 folds them into optimized code as it does in tsc's output.
//
// Why: when bundling, esbuild declares every top-level binding with `var` (deliberately, with no option to
// keep `const`: evanw/esbuild#623). V8's optimizing compiler folds a module-level `const` to its value but
// must load a `var` from the module's context at every use, and the packet path reads its constants (TCP
// flags, layer bits, probe codes, the module-local copies of imported ones) many times per packet. Measured
// with valgrind on the benign 200 k mix (`--batch -r`, whole process minus a 2,000-packet run, so start-up
// is left out): tsc's output 3.615 G instructions, the bundle 3.768 G, the bundle with this pass 3.625 G.
//
// What is changed, conservatively: a line at the top level (column 0), `var NAME = VALUE;` whose VALUE is a
// plain string or a one-line expression of numbers, names, operators and parentheses, or
// `var { A, B: B2 } = NS;`, where every name it binds (less the numeric suffix esbuild adds when two modules
// use one name) is declared `const` at the top level of some module of tsc's output and is never assigned
// anywhere else in its chunk (`NAME =`, `NAME +=`, `NAME++`, `--NAME`...). Anything else stays `var`. A
// const read before its line runs would throw where the `var` gave undefined; tsc's output, which the tests
// run, has the same `const` there, so the bundle throws only where tsc's output does. `var` becomes `const`
// on those lines only: source maps are off by two columns on a declaration's line.
import fs from 'node:fs';
import path from 'node:path';

// `var NAME = VALUE;` with VALUE a plain string or a one-line expression of numbers, names, operators and
// parentheses (no comma, brace, bracket or quote), or `var { A, B: B2 } = NS;` (a module's local copies
// destructured from a namespace). Whatever the value, `const` differs from `var` only in reassignment and
// in reads before the line, which the checks below and tsc's output rule out.
const DECL = /^var (?:([A-Za-z_$][\w$]*) = (?:"[^"\\\n]*"|[\w$. <>|&^~+\-*()]+)|\{ ([\w$:, ]+) \} = [A-Za-z_$][\w$]*);$/gm;
const SOURCE_CONST = /^(?:export )?const (?:([A-Za-z_$][\w$]*)|\{([^}]*)\}) =/gm;

/** Names declared `const` at the top level of the .js files under `dir` (tsc's output). */
export function sourceConstNames(dir) {
  const names = new Set();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8');
    for (const m of text.matchAll(SOURCE_CONST)) {
      if (m[1] !== undefined) names.add(m[1]);
      else for (const part of m[2].split(',')) if (part.trim() !== '') names.add(part.split(':').pop().trim());
    }
  }
  return names;
}

/** True when `name` is written to in `code` more than `own` times (its declaration's `NAME =`, if any). */
function assignedElsewhere(code, name, own) {
  const id = name.replace(/\$/g, '\\$');
  const writes = code.match(new RegExp(`(?<![\\w$.])${id}\\s*(?:=(?!=)|[-+*/%|&^]=|\\*\\*=|<<=|>>>?=|\\+\\+|--|&&=|\\|\\|=|\\?\\?=)`, 'g'));
  if (writes !== null && writes.length > own) return true;
  return new RegExp(`(?:\\+\\+|--)${id}(?![\\w$])`).test(code);
}

/** `code` with its eligible top-level `var` constants declared `const`, and how many were. */
export function restoreConsts(code, constNames) {
  let restored = 0;
  const eligible = (name, own) => {
    // esbuild's suffix is the trailing digits, or some of them (ICMPV6 + 2 is ICMPV62).
    let base = name;
    while (!constNames.has(base) && /\d$/.test(base)) base = base.slice(0, -1);
    return constNames.has(base) && !assignedElsewhere(code, name, own);
  };
  const out = code.replace(DECL, (line, name, pattern) => {
    // A destructuring binds each part's last name (`B: B2` binds B2); every one of them must qualify.
    // A destructuring's names are written by no `NAME =` of their own, so none may be found at all.
    const names = name !== undefined ? [name] : pattern.split(',').map((part) => part.split(':').pop().trim());
    const own = name !== undefined ? 1 : 0;
    if (!names.every((n) => eligible(n, own))) return line;
    restored += names.length;
    return 'const' + line.slice(3);
  });
  return { code: out, restored };
}

/** Applies restoreConsts to every .js file of the bundle in `bundleDir`; returns the number of constants restored. */
export function restoreBundleConsts(bundleDir, sourceDir) {
  const names = sourceConstNames(sourceDir);
  let total = 0;
  for (const file of fs.readdirSync(bundleDir)) {
    if (!file.endsWith('.js')) continue;
    const full = path.join(bundleDir, file);
    const { code, restored } = restoreConsts(fs.readFileSync(full, 'utf8'), names);
    if (restored > 0) fs.writeFileSync(full, code);
    total += restored;
  }
  return total;
}
