/**
 * A subset of Go's text/template, enough for `strings.render_template` (OPA topdown/template.go
 * parses the template with text/template and executes it on the variables converted to JSON).
 *
 * Supported: text, `{{pipeline}}`, trim markers `{{-`/`-}}`, comments, `if`/`else if`/`else`,
 * `range` (with `$i, $v :=`), `with`, variables, field chains (`.a.b`, `$v.a`), literals,
 * parenthesised pipelines, `|`, and the functions and/or/not/len/index/print/printf/println/
 * html/js/urlquery/eq/ne/lt/le/gt/ge. A key missing from a map renders `<undefined>` (what OPA
 * produces). Parse errors read as text/template's for a template named "template"
 * (`template: template:3: unexpected {{end}}`), undefined functions included.
 */
import { BuiltinError } from '../../errors.js';
import { RNumber, RSet, formatValue, objectEntries, stringifyJson, type PlainObject, type RObject, type Value } from '../../value/index.js';
import { scanGoJsonDocument } from '../shared/go-json-decode.js';
import { GoNamedString, formatGo } from './go-format.js';

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; p: Pipe }
  | { k: 'if' | 'with'; p: Pipe; then: Node[]; else: Node[] }
  | { k: 'range'; p: Pipe; body: Node[]; else: Node[] };
interface Pipe {
  decl: string[];
  cmds: Arg[][];
}
type Arg =
  | { k: 'dot'; fields: string[] }
  | { k: 'var'; name: string; fields: string[] }
  | { k: 'lit'; v: unknown }
  | { k: 'fn'; name: string }
  | { k: 'sub'; p: Pipe; fields: string[] };

/** Thrown for template syntax / execution errors; the builtin turns it into a BuiltinError. */
class TemplateError extends Error {
  /** 1-based line of the action a parse error is in (text/template's `template:LINE:` prefix). */
  line: number | undefined;
}

const MISSING = Symbol('missing');

// ---- lexing: split into text and action bodies ----------------------------------------------

type Item = { t: 'text'; s: string; line: number } | { t: 'act'; s: string; line: number };

/** 1-based line of offset `at` in `src`. */
function lineOf(src: string, at: number): number {
  let n = 1;
  for (let i = 0; i < at && i < src.length; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

function parseError(msg: string, line: number): TemplateError {
  const e = new TemplateError(msg);
  e.line = line;
  return e;
}

function lex(src: string): Item[] {
  const out: Item[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let text = open === -1 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      if (text) out.push({ t: 'text', s: text, line: lineOf(src, i) });
      break;
    }
    const line = lineOf(src, open);
    let body = src.slice(open + 2);
    if (/^- /.test(body) || /^-\t|^-\n|^-\r/.test(body)) {
      text = text.replace(/\s+$/, '');
      body = body.slice(2);
    }
    if (text) out.push({ t: 'text', s: text, line });
    const start = src.length - body.length;
    const close = findClose(src, start);
    if (close === -1) throw parseError('unclosed action', line);
    let inner = src.slice(start, close);
    trimNext = false;
    if (/[ \t\r\n]-$/.test(inner)) {
      inner = inner.slice(0, -2);
      trimNext = true;
    }
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) out.push({ t: 'act', s: inner, line });
    i = close + 2;
  }
  return out;
}

/** Index of the `}}` closing an action starting at `from`, skipping string literals. */
function findClose(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '`') {
      const q = c;
      for (i++; i < s.length && s[i] !== q; i++) if (q === '"' && s[i] === '\\') i++;
    } else if (c === '}' && s[i + 1] === '}') return i;
  }
  return -1;
}

// ---- parsing --------------------------------------------------------------------------------

function tokenize(s: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|\(|\)|\||,|[^\s()|,]+)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    out.push(m[1] as string);
    if (re.lastIndex >= s.length) break;
  }
  if (s.trim() !== '' && out.join('').replace(/\s/g, '') !== s.replace(/\s/g, '')) throw new TemplateError(`bad action: ${s}`);
  return out;
}

function parsePipe(toks: string[]): Pipe {
  let pos = 0;
  const decl: string[] = [];
  const assign = toks.indexOf(':=');
  if (assign !== -1 && toks.slice(0, assign).every((t) => t === ',' || t.startsWith('$'))) {
    for (const t of toks.slice(0, assign)) if (t !== ',') decl.push(t);
    pos = assign + 1;
  }
  const cmds: Arg[][] = [[]];
  const stack: { cmds: Arg[][]; decl: string[] }[] = [];
  let cur = cmds;
  for (; pos < toks.length; pos++) {
    const t = toks[pos] as string;
    if (t === '|') cur.push([]);
    else if (t === '(') {
      stack.push({ cmds: cur, decl: [] });
      cur = [[]];
    } else if (t === ')') {
      const parent = stack.pop();
      if (!parent) throw new TemplateError('unexpected )');
      const sub: Arg = { k: 'sub', p: { decl: [], cmds: cur }, fields: [] };
      cur = parent.cmds;
      (cur[cur.length - 1] as Arg[]).push(sub);
    } else if (t.startsWith('.') && t !== '.' && cur.length && (cur[cur.length - 1] as Arg[]).length && (toks[pos - 1] === ')')) {
      const last = (cur[cur.length - 1] as Arg[])[(cur[cur.length - 1] as Arg[]).length - 1] as Arg;
      if (last.k === 'sub') last.fields.push(...t.slice(1).split('.'));
    } else (cur[cur.length - 1] as Arg[]).push(parseArg(t));
  }
  if (stack.length) throw new TemplateError('unclosed (');
  if (cmds.some((c) => c.length === 0)) throw new TemplateError('missing value for command');
  return { decl, cmds };
}

function parseArg(t: string): Arg {
  if (t === '.') return { k: 'dot', fields: [] };
  if (t.startsWith('.')) return { k: 'dot', fields: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name = '$', ...fields] = t.split('.');
    return { k: 'var', name, fields };
  }
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t) };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
  if (t === 'nil') return { k: 'lit', v: null };
  if (/^[+-]?\d/.test(t)) {
    const n = Number(t);
    if (Number.isNaN(n)) throw new TemplateError(`bad number ${t}`);
    return { k: 'lit', v: n };
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return { k: 'fn', name: t };
  throw new TemplateError(`unexpected ${t}`);
}

/** text/template checks at parse time that every function a pipeline calls exists. */
function checkFns(p: Pipe): Pipe {
  for (const cmd of p.cmds) {
    for (const a of cmd) {
      if (a.k === 'fn' && !Object.hasOwn(FUNCS, a.name)) throw new TemplateError(`function "${a.name}" not defined`);
      if (a.k === 'sub') checkFns(a.p);
    }
  }
  return p;
}

/** Parses one action's pipeline; its errors carry the action's line. */
function pipeAt(text: string, line: number): Pipe {
  try {
    return checkFns(parsePipe(tokenize(text)));
  } catch (e) {
    if (e instanceof TemplateError && e.line === undefined) e.line = line;
    throw e;
  }
}

function parse(src: string): Node[] {
  const items = lex(src);
  let i = 0;
  function list(stopAt: Set<string>, single = false): { nodes: Node[]; stop: string } {
    const nodes: Node[] = [];
    while (i < items.length) {
      if (single && nodes.length === 1) return { nodes, stop: 'end' };
      const it = items[i++] as Item;
      if (it.t === 'text') {
        nodes.push({ k: 'text', s: it.s });
        continue;
      }
      const kw = /^(if|range|with|else|end)\b/.exec(it.s)?.[1];
      if (kw === 'end' || kw === 'else') {
        if (!stopAt.has(kw)) throw parseError(`unexpected {{${kw}}}`, it.line);
        if (kw === 'else' && /^else\s+if\b/.test(it.s)) {
          // `{{else if x}}` is an `if` nested in the else branch, sharing the outer `{{end}}`.
          items[--i] = { t: 'act', s: it.s.replace(/^else\s+/, ''), line: it.line };
          return { nodes, stop: 'elseif' };
        }
        return { nodes, stop: kw };
      }
      if (kw) {
        const p = pipeAt(it.s.slice(kw.length), it.line);
        const body = list(new Set(['else', 'end']));
        let els: Node[] = [];
        if (body.stop === 'else') els = list(new Set(['end'])).nodes;
        // The nested `if` of an `else if` consumes the shared `{{end}}` itself.
        else if (body.stop === 'elseif') els = list(new Set(['else', 'end']), true).nodes;
        if (kw === 'range') nodes.push({ k: 'range', p, body: body.nodes, else: els });
        else nodes.push({ k: kw as 'if' | 'with', p, then: body.nodes, else: els });
        continue;
      }
      nodes.push({ k: 'action', p: pipeAt(it.s, it.line) });
    }
    if (single && nodes.length === 1) return { nodes, stop: 'end' };
    // text/template reports the end of input on the template's last line.
    if (stopAt.size) throw parseError('unexpected EOF', lineOf(src, src.length));
    return { nodes, stop: '' };
  }
  return list(new Set()).nodes;
}

// ---- execution ------------------------------------------------------------------------------

type Scope = Map<string, unknown>[];

function lookup(scope: Scope, name: string): unknown {
  for (let j = scope.length - 1; j >= 0; j--) {
    const m = scope[j] as Map<string, unknown>;
    if (m.has(name)) return m.get(name);
  }
  throw new TemplateError(`undefined variable: ${name}`);
}

function field(v: unknown, names: string[]): unknown {
  let cur = v;
  for (const n of names) {
    if (cur === MISSING) return MISSING;
    if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      cur = Object.hasOwn(cur, n) ? (cur as Record<string, unknown>)[n] : MISSING;
    } else throw new TemplateError(`can't evaluate field ${n}`);
  }
  return cur;
}

function truth(v: unknown): boolean {
  if (v instanceof GoNamedString) return v.value !== '';
  if (v === null || v === undefined || v === MISSING || v === false || v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function cmpVals(a0: unknown, b0: unknown): number {
  // A json.Number compares as the string kind it is: equal to "42", incomparable with 42.
  const a = a0 instanceof GoNamedString ? a0.value : a0;
  const b = b0 instanceof GoNamedString ? b0.value : b0;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a as number);
    const y = BigInt(b as number);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) throw new TemplateError('incompatible types for comparison');
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const FUNCS: Record<string, (args: unknown[]) => unknown> = {
  // the first falsy argument, which may itself be nil (so no `??`), else the last
  and: (a) => {
    const i = a.findIndex((x) => !truth(x));
    return a[i === -1 ? a.length - 1 : i];
  },
  or: (a) => a.find((x) => truth(x)) ?? a[a.length - 1],
  not: (a) => !truth(a[0]),
  len: (a) => {
    const x = a[0];
    if (typeof x === 'string') return new TextEncoder().encode(x).length;
    if (x instanceof GoNamedString) return new TextEncoder().encode(x.value).length;
    if (Array.isArray(x)) return x.length;
    if (x !== null && typeof x === 'object') return Object.keys(x).length;
    throw new TemplateError('len of invalid value');
  },
  index: (a) => {
    let cur = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(cur)) cur = cur[Number(k)];
      else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[String(k)];
      else throw new TemplateError("can't index item");
      if (cur === undefined) throw new TemplateError('index out of range');
    }
    return cur;
  },
  // fmt.Sprint spaces operands when neither is of a string kind (json.Number is one).
  print: (a) => a.map((x, i) => (i > 0 && !isStringKind(x) && !isStringKind(a[i - 1]) ? ' ' : '') + show(x)).join(''),
  println: (a) => a.map(show).join(' ') + '\n',
  printf: (a) => formatGo(String(a[0]), a.slice(1)),
  html: (a) => escapeHtml(evalArgsText(a)),
  js: (a) => escapeJs(evalArgsText(a)),
  urlquery: (a) => encodeURIComponent(evalArgsText(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  eq: (a) => a.slice(1).some((b) => cmpVals(a[0], b) === 0),
  ne: (a) => cmpVals(a[0], a[1]) !== 0,
  lt: (a) => cmpVals(a[0], a[1]) < 0,
  le: (a) => cmpVals(a[0], a[1]) <= 0,
  gt: (a) => cmpVals(a[0], a[1]) > 0,
  ge: (a) => cmpVals(a[0], a[1]) >= 0,
};

function isStringKind(x: unknown): boolean {
  return typeof x === 'string' || x instanceof GoNamedString;
}

/**
 * The variables as OPA hands them to text/template: ast.As decodes their JSON with UseNumber,
 * so every number is a json.Number (a string type: `{{printf "%d" .n}}` is `%!d(json.Number=42)`,
 * `{{if gt .n 1}}` compares incompatible kinds); sets become arrays.
 */
function templateData(v: Value): unknown {
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof RNumber) return new GoNamedString('json.Number', stringifyJson(v));
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(templateData);
  if (v instanceof RSet) return v.values().map(templateData);
  const o: Record<string, unknown> = {};
  for (const [k, x] of objectEntries(v)) o[typeof k === 'string' ? k : stringifyJson(k)] = templateData(x);
  return o;
}

/** text/template's evalArgs: one string operand as is, else fmt.Sprint of the operands. */
function evalArgsText(a: unknown[]): string {
  if (a.length === 1 && typeof a[0] === 'string') return a[0];
  return FUNCS.print?.(a) as string;
}

/** text/template HTMLEscapeString. */
function escapeHtml(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

/** text/template JSEscapeString. */
function escapeJs(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (c < 0x20) out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
    else if (c >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch)) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

/** How Go's fmt prints the JSON-decoded value (`%v`). */
function show(v: unknown): string {
  if (v === MISSING) return '<undefined>';
  return formatGo('%v', [v]);
}

function evalArg(a: Arg, dot: unknown, scope: Scope): unknown {
  switch (a.k) {
    case 'dot':
      return field(dot, a.fields);
    case 'var':
      return field(lookup(scope, a.name), a.fields);
    case 'lit':
      return a.v;
    case 'sub':
      return field(evalPipe(a.p, dot, scope), a.fields);
    case 'fn':
      return callFn(a.name, [], dot, scope);
  }
}

function callFn(name: string, args: unknown[], _dot: unknown, _scope: Scope): unknown {
  const f = FUNCS[name];
  if (!f) throw new TemplateError(`function "${name}" not defined`);
  return f(args);
}

function evalPipe(p: Pipe, dot: unknown, scope: Scope): unknown {
  let prev: unknown = undefined;
  let first = true;
  for (const cmd of p.cmds) {
    const head = cmd[0] as Arg;
    if (head.k === 'fn') {
      const args = cmd.slice(1).map((a) => evalArg(a, dot, scope));
      if (!first) args.push(prev);
      prev = callFn(head.name, args, dot, scope);
    } else {
      if (cmd.length > 1 || !first) throw new TemplateError("can't give argument to non-function");
      prev = evalArg(head, dot, scope);
    }
    first = false;
  }
  const top = scope[scope.length - 1] as Map<string, unknown>;
  if (p.decl.length === 1) top.set(p.decl[0] as string, prev);
  return prev;
}

function exec(nodes: Node[], dot: unknown, scope: Scope, out: string[], budget: { n: number }): void {
  for (const n of nodes) {
    if (--budget.n < 0) throw new TemplateError('template too large');
    switch (n.k) {
      case 'text':
        out.push(n.s);
        break;
      case 'action': {
        const v = evalPipe(n.p, dot, scope);
        if (n.p.decl.length === 0) out.push(show(v));
        break;
      }
      case 'if':
      case 'with': {
        const v = evalPipe({ decl: [], cmds: n.p.cmds }, dot, scope);
        scope.push(new Map());
        if (n.p.decl.length === 1) (scope[scope.length - 1] as Map<string, unknown>).set(n.p.decl[0] as string, v);
        if (truth(v)) exec(n.then, n.k === 'with' ? v : dot, scope, out, budget);
        else exec(n.else, dot, scope, out, budget);
        scope.pop();
        break;
      }
      case 'range': {
        const v = evalPipe({ decl: [], cmds: n.p.cmds }, dot, scope);
        const pairs: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v !== null && typeof v === 'object'
            ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number' && Number.isInteger(v)
              ? Array.from({ length: Math.max(0, v) }, (_, i) => [i, i])
              : v === null || v === MISSING
                ? []
                : (() => {
                    throw new TemplateError(`range can't iterate over ${show(v)}`);
                  })();
        if (pairs.length === 0) {
          exec(n.else, dot, scope, out, budget);
          break;
        }
        for (const [k, x] of pairs) {
          const m = new Map<string, unknown>();
          if (n.p.decl.length === 1) m.set(n.p.decl[0] as string, x);
          if (n.p.decl.length === 2) {
            m.set(n.p.decl[0] as string, k);
            m.set(n.p.decl[1] as string, x);
          }
          scope.push(m);
          exec(n.body, x, scope, out, budget);
          scope.pop();
        }
        break;
      }
    }
  }
}

/**
 * Renders `template` with `vars` as `.`.
 *
 * @example renderGoTemplate('strings.render_template', '{{.a}}!', { a: 'hi' }) // "hi!"
 */
export function renderGoTemplate(builtin: string, template: string, vars: PlainObject | RObject): string {
  try {
    const nodes = parse(template);
    // OPA's ast.As decodes the variables' Rego text as JSON: a set or a non-string key fails
    // there, with Go's decoder message.
    const decoded = scanGoJsonDocument(formatValue(vars));
    if ('error' in decoded) throw new BuiltinError(builtin, decoded.error);
    const data = templateData(vars);
    const out: string[] = [];
    exec(nodes, data, [new Map<string, unknown>([['$', data]])], out, { n: 1_000_000 });
    return out.join('');
  } catch (e) {
    // OPA names its template "template": parse errors read `template: template:LINE: …`.
    if (e instanceof TemplateError) throw new BuiltinError(builtin, e.line === undefined ? `template: ${e.message}` : `template: template:${e.line}: ${e.message}`);
    throw e;
  }
}
