// better-sqlite3's Database class, loaded with Node's require() rather than an ES module import.
//
// Why: better-sqlite3 is a CommonJS package, and an `import` of one makes Node's ES module loader parse its
// source with cjs-module-lexer to find its export names and build a module facade around it, on top of
// what require() does anyway. The history is opened by every run with the default sinks, and that was
// about 22 M instructions of it (cachegrind: a module importing the package against one requiring it,
// 652.8 M against 630.2 M). The class is the same object either way (the module's exports).
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

/** better-sqlite3's default export: `new SqliteDatabase(file, options)`. */
export const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
