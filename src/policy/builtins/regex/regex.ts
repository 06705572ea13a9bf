/**
 * Regex builtins (OPA topdown/regex.go, regex_template.go) with Go's regexp semantics on a
 * linear-time engine (shared/re2.ts: RE2 syntax, leftmost-first submatches, Go's
 * FindAll/ReplaceAll/Split rules); compiled patterns live in a bounded LRU (regex-cache.ts).
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { joinGoStrings, type Value } from '../../value/index.js';
import { argSmallInt, argString } from '../shared/args.js';
import { compileRe2, isValidRe2 } from '../shared/regex-cache.js';
import { quoteMeta } from '../shared/re2.js';
import { globsIntersect } from './glob-intersect.js';

function match(name: string, args: readonly Value[]): boolean {
  return compileRe2(name, argString(name, args, 0)).matchString(argString(name, args, 1));
}

/** The substrings of `s` a FindAllStringSubmatchIndex row denotes; Go gives "" for a group that did not take part. */
function substrings(s: string, m: readonly number[], groups: number): string[] {
  const out: string[] = [];
  for (let g = 0; g < groups; g++) {
    const a = m[2 * g] as number;
    out.push(a < 0 ? '' : s.slice(a, m[2 * g + 1]));
  }
  return out;
}

/**
 * regex.template_match: text outside `start…end` delimiters is literal, text inside is a regex;
 * the whole value must match (gorilla/mux-style templates).
 */
function templateToRegex(tpl: string, open: string, close: string): string {
  let out = '^';
  let level = 0;
  let segStart = 0;
  let inner = 0;
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c === open) {
      if (level === 0) {
        out += quoteMeta(tpl.slice(segStart, i));
        inner = i + 1;
      }
      level++;
    } else if (c === close) {
      level--;
      if (level === 0) {
        out += '(' + tpl.slice(inner, i) + ')';
        segStart = i + 1;
      } else if (level < 0) throw new BuiltinError('regex.template_match', `unbalanced braces in ${JSON.stringify(tpl)}`);
    }
  }
  if (level !== 0) throw new BuiltinError('regex.template_match', `unbalanced braces in ${JSON.stringify(tpl)}`);
  return out + quoteMeta(tpl.slice(segStart)) + '$';
}

export const regexBuiltins: BuiltinDef[] = [
  { name: 'regex.match', arity: 2, impl: (args) => match('regex.match', args) },
  { name: 're_match', arity: 2, impl: (args) => match('re_match', args) },
  { name: 'regex.is_valid', arity: 1, impl: (args) => typeof args[0] === 'string' && isValidRe2(args[0]) },
  {
    name: 'regex.split',
    arity: 2,
    impl: (args) => compileRe2('regex.split', argString('regex.split', args, 0)).split(argString('regex.split', args, 1)),
  },
  {
    name: 'regex.find_n',
    arity: 3,
    impl: (args) => {
      const re = compileRe2('regex.find_n', argString('regex.find_n', args, 0));
      const s = argString('regex.find_n', args, 1);
      const n = argSmallInt('regex.find_n', args, 2);
      return re.findAllSubmatchIndex(s, n, false).map((m) => s.slice(m[0], m[1]));
    },
  },
  {
    name: 'regex.find_all_string_submatch_n',
    arity: 3,
    impl: (args) => {
      const name = 'regex.find_all_string_submatch_n';
      const re = compileRe2(name, argString(name, args, 0));
      const s = argString(name, args, 1);
      const n = argSmallInt(name, args, 2);
      return re.findAllSubmatchIndex(s, n).map((m) => substrings(s, m, re.numSubexp + 1));
    },
  },
  {
    name: 'regex.replace',
    arity: 3,
    impl: (args) => {
      const s = argString('regex.replace', args, 0);
      const re = compileRe2('regex.replace', argString('regex.replace', args, 1));
      // Go joins bytes: a raw byte beside the replacement may be UTF-8 with it.
      return joinGoStrings(re.replaceAllString(s, argString('regex.replace', args, 2)));
    },
  },
  {
    name: 'regex.template_match',
    arity: 4,
    impl: (args) => {
      const name = 'regex.template_match';
      const tpl = argString(name, args, 0);
      const value = argString(name, args, 1);
      const open = argString(name, args, 2);
      const close = argString(name, args, 3);
      if (open.length !== 1) throw new BuiltinError(name, `start delimiter has to be exactly one character long but is ${open.length} long`);
      if (close.length !== 1) throw new BuiltinError(name, `end delimiter has to be exactly one character long but is ${close.length} long`);
      return compileRe2(name, templateToRegex(tpl, open, close)).matchString(value);
    },
  },
  {
    name: 'regex.globs_match',
    arity: 2,
    impl: (args) => globsIntersect(argString('regex.globs_match', args, 0), argString('regex.globs_match', args, 1)),
  },
];
