// Gives back to the bundle's top-level constants the `const` that esbuild turned into `var`, so V8 folds them into optimized code as it does in tsc's output.
//
// Why: when bundling, esbuild declares every top-level binding with `var` (deliberately, with no option to
// keep `const`: evanw/esbuild#623). V8's optimizing compiler folds a module-level `const` to its value but
// must load a `var` from the module's context at every use, and the packet path reads its constants (TCP
// flags, layer bits, probe codes, the module-local copies of imported ones) many times per packet. Measured
// with valgrind on the benign 200 k mix (`--batch -r`, whole process minus a 2,000-packet run, so start-up
// is left out): tsc's output 3.615 G instructions, the bundle 3.768 G, the bundle with this pass 3.625 G.
//
// What is changed, conservatively: a line `var NAME = VALUE;` at the top level (column 0) whose VALUE is a
// number, a plain string or another identifier, whose NAME (less a numeric suffix esbuild adds when two
// modules use one name) is declared `const` at the top level of some module of tsc's output, and which is
// never assigned anywhere else in its chunk (`NAME =`, `NAME +=`, `NAME++`, `--NAME`...). Anything else
// stays `var`. A const read before its line runs would throw where the `var` gave undefined; tsc's output,
// which the tests run, has the same `const` there, so the bundle throws only where tsc's output does.
// `var` becomes `const` on those lines only: source maps are off by two columns on a declaration's line.
import fs from 'node:fs';
import path from 'node:path';

const DECL = /^var ([A-Za-z_$][\w$]*) = (-?[0-9][0-9.e_]*|0x[0-9a-fA-F]+|[A-Za-z_$][\w$]*|"[^"\\\n]*");$/gm;
const SOURCE_CONST = /^(?:export )?const ([A-Za-z_$][\w$]*) =/gm;

/** Names declared `const` at the top level of the .js files under `dir` (tsc's output). */
export function sourceConstNames(dir) {
  const names = new Set();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8');
    for (const m of text.matchAll(SOURCE_CONST)) names.add(m[1]);
  }
  return names;
}

/** True when `name` is written to anywhere in `code` other than its own declaration. */
function assignedElsewhere(code, name) {
  const id = name.replace(/\$/g, '\\$');
  const writes = code.match(new RegExp(`(?<![\\w$.])${id}\\s*(?:=(?!=)|[-+*/%|&^]=|\\*\\*=|<<=|>>>?=|\\+\\+|--|&&=|\\|\\|=|\\?\\?=)`, 'g'));
  if (writes !== null && writes.length > 1) return true;
  return new RegExp(`(?:\\+\\+|--)${id}(?![\\w$])`).test(code);
}

/** `code` with its eligible top-level `var` constants declared `const`, and how many were. */
export function restoreConsts(code, constNames) {
  let restored = 0;
  const out = code.replace(DECL, (line, name) => {
    const base = constNames.has(name) ? name : name.replace(/\d+$/, '');
    if (!constNames.has(base) || assignedElsewhere(code, name)) return line;
    restored++;
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
