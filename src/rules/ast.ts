// Syntax tree of a rule condition, as produced by the parser and consumed by the compiler.
import type { Token } from './lexer.js';

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Value =
  | { kind: 'number'; n: number; tok: Token }
  | { kind: 'range'; lo: number; hi: number; tok: Token; endTok: Token }
  | { kind: 'string'; s: string; tok: Token }
  | { kind: 'addr'; text: string; tok: Token };

export type Expr =
  | { k: 'and'; l: Expr; r: Expr }
  | { k: 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  /** A field used alone: a boolean gate such as `tcp` or `tcp.flags.syn`. */
  | { k: 'flag'; field: Token }
  | { k: 'cmp'; field: Token; op: CmpOp; opTok: Token; value: Value }
  | { k: 'in'; field: Token; opTok: Token; values: Value[]; list: boolean }
  | { k: 'contains' | 'matches'; field: Token; opTok: Token; value: Value };
