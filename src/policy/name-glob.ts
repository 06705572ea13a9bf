/**
 * A file-name pattern as `opa test --ignore` / `opa eval --ignore` take it: Go's filepath.Match
 * syntax (`*` any run of characters, `?` one character, `[a-z]` / `[^a-z]` a class, `\x` the
 * literal `x`), matched against a file's or a directory's base name, never across `/`.
 * A malformed pattern (an unclosed `[`, a trailing `\`) is an error naming it, as Go refuses it
 * with ErrBadPattern.
 *
 * @example
 *   const ignored = nameGlob('*.yaml');
 *   ignored('case.yaml'); // true
 *   ignored('policy.rego'); // false
 */
import { RegoError } from './errors.js';

function bad(pattern: string): RegoError {
  return new RegoError('REGO_ERR_FILE', `--ignore ${JSON.stringify(pattern)}: malformed pattern`);
}

// with the u flag `\-` is an escape only inside a class (outside one it is a SyntaxError, and
// `artifacthub-repo.yaml` made --ignore fail): `-` is escaped there only
const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const escapeInClass = (c: string): string => (c === '-' ? '\\-' : escape(c));

export function nameGlob(pattern: string): (name: string) => boolean {
  let re = '';
  const cps = [...pattern];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      const next = cps[++i];
      if (next === undefined) throw bad(pattern);
      re += escape(next);
    } else if (c === '[') {
      let cls = '';
      let j = i + 1;
      if (cps[j] === '^') {
        cls += '^';
        j++;
      }
      let closed = false;
      let first = true;
      for (; j < cps.length; j++) {
        const d = cps[j]!;
        if (d === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (d === '\\') {
          const next = cps[++j];
          if (next === undefined) throw bad(pattern);
          cls += escapeInClass(next);
        } else if (d === '-') cls += '-';
        else cls += escapeInClass(d);
      }
      if (!closed) throw bad(pattern);
      re += `[${cls}]`;
      i = j;
    } else re += escape(c);
  }
  const rx = new RegExp(`^${re}$`, 'u');
  return (name) => rx.test(name);
}
