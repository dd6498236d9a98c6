// Public surface of custom rules: the engine, the condition compiler and the rule file I/O.
export { RuleEngine, fileRuleIo } from './rule-file.js';
export { RuleEngineCore, MAX_KEYS_PER_RULE, MAX_RULES, type LoadResult, type RuleEngineOptions, type RuleIo } from './engine.js';
export { compileCondition, type Predicate } from './compile.js';
export { parseCondition } from './parser.js';
export { tokenize, RuleSyntaxError, type Token } from './lexer.js';
export { checkRegex, MAX_REGEX_INPUT, MAX_PATTERN_LENGTH } from './regex-guard.js';
export { FIELDS, type FieldDef } from './fields.js';
export { parseDisplayFilter, DisplayFilterError, DISPLAY_FILTER_FIELDS, type DisplayFilter, type FilterRow } from './display-filter.js';
