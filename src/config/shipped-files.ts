// Where settings.yaml and rules.yaml come from when no --settings/--rules names one: the working directory
// first, then the installed package's own copies (so `npm install -g` gives the seed's rules anywhere).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null | undefined;

/** NetGuard's package directory (where its package.json is), found by walking up from this file in src/ or dist/src/. */
export function packageRoot(): string | null {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  root = null;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'netguard') {
        root = dir;
        break;
      }
    } catch {
      // not here; keep walking up
    }
    dir = path.dirname(dir);
  }
  return root;
}

export interface FoundFile {
  path: string;
  /** 'cwd': the working directory's; 'package': the copy shipped with NetGuard. */
  from: 'cwd' | 'package';
}

/** `name` in the working directory (as "./name"), else the package's copy, else null. */
export function findShippedFile(name: 'settings.yaml' | 'rules.yaml', cwd = process.cwd()): FoundFile | null {
  if (existsSync(path.join(cwd, name))) return { path: `./${name}`, from: 'cwd' };
  const pkg = packageRoot();
  if (pkg && existsSync(path.join(pkg, name))) return { path: path.join(pkg, name), from: 'package' };
  return null;
}

/**
 * The one line saying which settings and rules a run loaded:
 * "loaded ./settings.yaml, /usr/lib/node_modules/netguard/rules.yaml (shipped with NetGuard)".
 */
export function loadedFilesLine(settings: FoundFile | string | null, rules: FoundFile | string | null): string {
  const show = (f: FoundFile | string | null, none: string): string =>
    f === null ? none : typeof f === 'string' ? f : f.from === 'package' ? `${f.path} (shipped with NetGuard)` : f.path;
  return `loaded ${show(settings, 'no settings.yaml (built-in settings)')}, ${show(rules, 'no rules.yaml (no custom rules)')}`;
}
