/**
 * A subset of Go's text/template, enough for `strings.render_template` (OPA topdown/template.go
 * parses the template with text/template and executes it on the variables converted to JSON).
 *
 * Supported: text, `{{pipeline}}`, trim markers `{{-`/`-}}`, comments, `if`/`else if`/`else`, `break`/`continue`,
 * `define`/`template`/`block` (named templates, at the top level as text/template allows them),
 * `range` (with `$i, $v :=`), `with`, variables, field chains (`.a.b`, `$v.a`), literals,
 * parenthesised pipelines, `|`, and the functions and/or/not/len/index/slice/call/print/
 * printf/println/html/js/urlquery/eq/ne/lt/le/gt/ge. A key missing from a map renders `<undefined>` (what OPA
 * produces). Parse errors read as text/template's for a template named "template"
 * (`template: template:3: unexpected {{end}}`), undefined functions included.
 */
import { BuiltinError } from '../../errors.js';
import { RNumber, RSet, decodeGoString, formatValue, goByteLength, goStringBytes, objectEntries, stringifyJson, type PlainObject, type RObject, type Value } from '../../value/index.js';
import { scanGoJsonDocument } from '../shared/go-json-decode.js';
import { GoFloat64, GoNamedString, formatGo, goType } from './go-format.js';

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; p: Pipe }
  | { k: 'if' | 'with'; p: Pipe; then: Node[]; else: Node[] }
  | { k: 'range'; p: Pipe; body: Node[]; else: Node[] }
  | { k: 'break' | 'continue' }
  /** `{{template "name" pipeline}}` (and the call half of `{{block}}`); pos/src: the node in errors */
  | { k: 'template'; name: string; p: Pipe | undefined; pos: number; src: string };
interface Pipe {
  decl: string[];
  cmds: Cmd[];
}
/** A command of a pipeline: its operands and the offset of its first one (parse.CommandNode). */
interface Cmd {
  args: Arg[];
  pos: number;
}
/**
 * An operand. `pos` is the offset text/template gives its node (for a field chain `.a.b`, the
 * offset of its second field: the parser rebuilds the node at the chain's position), `src` its
 * node's String() — together the `template:LINE:COL` and `<…>` of an execution error.
 */
type Arg = { pos: number; src: string } & (
  | { k: 'dot'; fields: string[] }
  | { k: 'var'; name: string; fields: string[] }
  | { k: 'lit'; v: unknown }
  | { k: 'fn'; name: string }
  | { k: 'sub'; p: Pipe; fields: string[] }
);

/** Where an execution error happened: a node's offset in the template and its String(). */
interface ErrNode {
  pos: number;
  ctx: string;
}

/** Thrown for template syntax / execution errors; the builtin turns it into a BuiltinError. */
class TemplateError extends Error {
  /** 1-based line of the action a parse error is in (text/template's `template:LINE:` prefix). */
  line: number | undefined;
  /** The node an execution error is at (text/template's state.at). */
  node: ErrNode | undefined;
  /** The offset of an error text/template reports while parsing (`template:LINE:` only). */
  parsePos: number | undefined;
  /** The named template executing where it happened (`executing "name"`; the main one is "template"). */
  tmpl: string | undefined;
}

/** An execution error at `node`, unless an inner node already claimed it. */
function atNode(e: unknown, node: ErrNode, prefix = ''): unknown {
  if (e instanceof TemplateError && e.node === undefined && e.line === undefined && e.parsePos === undefined) {
    e.node = node;
    if (prefix) e.message = prefix + e.message;
  }
  return e;
}

const MISSING = Symbol('missing');

// ---- lexing: split into text and action bodies ----------------------------------------------

/** `at`: the offset of an action's first non-space character in the template. */
type Item = { t: 'text'; s: string; line: number } | { t: 'act'; s: string; line: number; at: number };

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
    const at = start + (inner.length - inner.trimStart().length);
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) out.push({ t: 'act', s: inner, line, at });
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

interface Tok {
  t: string;
  pos: number;
}

/** Splits an action's text (which starts at offset `base` of the template) into tokens. */
function tokenize(s: string, base: number): Tok[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|:=|\(|\)|\||,|[^\s()|,]+)/gy;
  const out: Tok[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    out.push({ t: m[1] as string, pos: base + m.index + (m[0].length - (m[1] as string).length) });
    if (re.lastIndex >= s.length) break;
  }
  if (s.trim() !== '' && out.map((x) => x.t).join('').replace(/\s/g, '') !== s.replace(/\s/g, '')) throw new TemplateError(`bad action: ${s}`);
  return out;
}

/** parse.PipeNode's String(): `$x := a b | c`, a parenthesised pipeline operand in parens. */
function pipeString(p: Pipe): string {
  const cmds = p.cmds.map((c) => c.args.map((a) => a.src).join(' ')).join(' | ');
  return p.decl.length ? `${p.decl.join(', ')} := ${cmds}` : cmds;
}

function parsePipe(toks: Tok[]): Pipe {
  let pos = 0;
  const decl: string[] = [];
  const assign = toks.findIndex((x) => x.t === ':=');
  if (assign !== -1 && toks.slice(0, assign).every((x) => x.t === ',' || x.t.startsWith('$'))) {
    for (const x of toks.slice(0, assign)) if (x.t !== ',') decl.push(x.t);
    pos = assign + 1;
  }
  const newCmd = (at: number): Cmd => ({ args: [], pos: toks[at]?.pos ?? 0 });
  const cmds: Cmd[] = [newCmd(pos)];
  const stack: { cmds: Cmd[]; pos: number }[] = [];
  let cur = cmds;
  for (; pos < toks.length; pos++) {
    const { t, pos: at } = toks[pos] as Tok;
    const args = (cur[cur.length - 1] as Cmd).args;
    if (t === '|') cur.push(newCmd(pos + 1));
    else if (t === '(') {
      stack.push({ cmds: cur, pos: at });
      cur = [newCmd(pos + 1)];
    } else if (t === ')') {
      const parent = stack.pop();
      if (!parent) throw new TemplateError('unexpected )');
      const p: Pipe = { decl: [], cmds: cur };
      cur = parent.cmds;
      (cur[cur.length - 1] as Cmd).args.push({ k: 'sub', p, fields: [], pos: parent.pos, src: `(${pipeString(p)})` });
    } else if (t.startsWith('.') && t !== '.' && args.length && toks[pos - 1]?.t === ')') {
      // `(pipeline).a.b` is a parse.ChainNode, positioned at its first field.
      const last = args[args.length - 1] as Arg;
      if (last.k === 'sub') {
        if (last.fields.length === 0) last.pos = at;
        last.fields.push(...t.slice(1).split('.'));
        last.src += t;
      }
    } else args.push(parseArg(t, at));
  }
  if (stack.length) throw new TemplateError('unclosed (');
  if (cmds.some((c) => c.args.length === 0)) throw new TemplateError('missing value for command');
  return { decl, cmds };
}

/** The offset of a field chain's node: its second segment's when there is one (see Arg). */
function chainPos(t: string, at: number, head: number): number {
  return t.length > head ? at + head : at;
}

function parseArg(t: string, at: number): Arg {
  if (t === '.') return { k: 'dot', fields: [], pos: at, src: t };
  if (t.startsWith('.')) {
    const fields = t.slice(1).split('.');
    return { k: 'dot', fields, pos: chainPos(t, at, 1 + (fields[0] as string).length), src: t };
  }
  if (t.startsWith('$')) {
    const [name = '$', ...fields] = t.split('.');
    return { k: 'var', name, fields, pos: chainPos(t, at, name.length), src: t };
  }
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t), pos: at, src: t };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1), pos: at, src: t };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true', pos: at, src: t };
  if (t === 'nil') return { k: 'lit', v: null, pos: at, src: t };
  if (/^[+-]?\d/.test(t)) {
    const n = Number(t);
    if (Number.isNaN(n)) throw new TemplateError(`bad number ${t}`);
    // text/template makes a constant with a fraction or exponent a float64, others an int.
    const float = /^[+-]?(0[xX]|0[bB]|0[oO])/.test(t) ? false : /[.eE]/.test(t);
    return { k: 'lit', v: float && Number.isInteger(n) ? new GoFloat64(n) : n, pos: at, src: t };
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return { k: 'fn', name: t, pos: at, src: t };
  throw new TemplateError(`unexpected ${t}`);
}

/** text/template checks at parse time that every function a pipeline calls exists. */
function checkFns(p: Pipe): Pipe {
  for (const cmd of p.cmds) {
    for (const a of cmd.args) {
      if (a.k === 'fn' && !Object.hasOwn(FUNCS, a.name)) throw new TemplateError(`function "${a.name}" not defined`);
      if (a.k === 'sub') checkFns(a.p);
    }
  }
  return p;
}

/** Parses one action's pipeline (at offset `at`); its errors carry the action's line. */
function pipeAt(text: string, line: number, at: number): Pipe {
  try {
    return checkFns(parsePipe(tokenize(text, at)));
  } catch (e) {
    if (e instanceof TemplateError && e.line === undefined) e.line = line;
    throw e;
  }
}

/** The name literal of a define/template/block action and the text after it (parseTemplateName). */
function templateName(kw: string, rest: string, line: number): { name: string; after: string; offset: number } {
  const m = /^\s*("(?:[^"\\]|\\.)*"|`[^`]*`)/.exec(rest);
  if (m === null) throw parseError(`unexpected ${JSON.stringify(rest.trim().split(/\s+/)[0] ?? '')} in ${kw === 'define' ? 'define' : kw === 'block' ? 'block' : 'template'} clause`, line);
  const lit = m[1] as string;
  const name = lit.startsWith('`') ? lit.slice(1, -1) : (JSON.parse(lit) as string);
  return { name, after: rest.slice(m[0].length), offset: m[0].length - lit.length };
}

/** parse.IsEmptyTree: nothing but space in it (a later definition may replace it). */
function isEmptyTree(nodes: readonly Node[]): boolean {
  return nodes.every((n) => n.k === 'text' && n.s.trim() === '');
}

function parse(src: string, defs: Map<string, Node[]>): Node[] {
  const items = lex(src);
  let i = 0;
  // {{define}} is read only at the top level (parse.Tree.parse); nesting counts the bodies we are in
  let nesting = 0;
  const define = (name: string, body: Node[], line: number): void => {
    const old = defs.get(name);
    if (old !== undefined && !isEmptyTree(old) && !isEmptyTree(body)) throw parseError(`template: multiple definition of template ${JSON.stringify(name)}`, line);
    if (old === undefined || !isEmptyTree(body)) defs.set(name, body);
  };
  // Go ≥ 1.18 allows {{break}} / {{continue}} only within a range's body (parse.Tree.rangeDepth).
  let rangeDepth = 0;
  function list(stopAt: Set<string>, single = false): { nodes: Node[]; stop: string } {
    const nodes: Node[] = [];
    while (i < items.length) {
      if (single && nodes.length === 1) return { nodes, stop: 'end' };
      const it = items[i++] as Item;
      if (it.t === 'text') {
        nodes.push({ k: 'text', s: it.s });
        continue;
      }
      const loopKw = /^(break|continue)$/.exec(it.s)?.[1] as 'break' | 'continue' | undefined;
      if (loopKw) {
        if (rangeDepth === 0) throw parseError(`{{${loopKw}}} outside {{range}}`, it.line);
        nodes.push({ k: loopKw });
        continue;
      }
      const named = /^(define|template|block)\b/.exec(it.s)?.[1];
      if (named !== undefined) {
        if (named === 'define' && nesting > 0) throw parseError('unexpected <define> in command', it.line);
        const { name, after, offset } = templateName(named, it.s.slice(named.length), it.line);
        const namePos = it.at + named.length + offset;
        if (named === 'define') {
          if (after.trim() !== '') throw parseError(`unexpected ${JSON.stringify(after.trim().split(/\s+/)[0])} in define clause`, it.line);
          nesting++;
          const body = list(new Set(['end']));
          nesting--;
          define(name, body.nodes, it.line);
          continue;
        }
        const p = after.trim() === '' ? undefined : pipeAt(after, it.line, it.at + (it.s.length - after.length));
        const srcText = `{{template ${JSON.stringify(name)}${p !== undefined ? ' ' + pipeString(p) : ''}}}`;
        if (named === 'block') {
          nesting++;
          const body = list(new Set(['end']));
          nesting--;
          define(name, body.nodes, it.line);
        }
        nodes.push({ k: 'template', name, p, pos: namePos, src: srcText });
        continue;
      }
      const kw = /^(if|range|with|else|end)\b/.exec(it.s)?.[1];
      if (kw === 'end' || kw === 'else') {
        if (!stopAt.has(kw)) throw parseError(`unexpected {{${kw}}}`, it.line);
        if (kw === 'else' && /^else\s+if\b/.test(it.s)) {
          // `{{else if x}}` is an `if` nested in the else branch, sharing the outer `{{end}}`.
          const s = it.s.replace(/^else\s+/, '');
          items[--i] = { t: 'act', s, line: it.line, at: it.at + (it.s.length - s.length) };
          return { nodes, stop: 'elseif' };
        }
        return { nodes, stop: kw };
      }
      if (kw) {
        const p = pipeAt(it.s.slice(kw.length), it.line, it.at + kw.length);
        if (kw === 'range') rangeDepth++;
        nesting++;
        const body = list(new Set(['else', 'end']));
        if (kw === 'range') rangeDepth--;
        let els: Node[] = [];
        if (body.stop === 'else') els = list(new Set(['end'])).nodes;
        // The nested `if` of an `else if` consumes the shared `{{end}}` itself.
        else if (body.stop === 'elseif') els = list(new Set(['else', 'end']), true).nodes;
        nesting--;
        if (kw === 'range') nodes.push({ k: 'range', p, body: body.nodes, else: els });
        else nodes.push({ k: kw as 'if' | 'with', p, then: body.nodes, else: els });
        continue;
      }
      nodes.push({ k: 'action', p: pipeAt(it.s, it.line, it.at) });
    }
    if (single && nodes.length === 1) return { nodes, stop: 'end' };
    // text/template reports the end of input on the template's last line.
    if (stopAt.size) throw parseError('unexpected EOF', lineOf(src, src.length));
    return { nodes, stop: '' };
  }
  return list(new Set()).nodes;
}

// ---- execution ------------------------------------------------------------------------------

/**
 * A value with how text/template holds it: `w` when it is still boxed in an `interface {}` (a
 * map value, a slice element — then a field on it fails "in type interface {}"); a pipeline's
 * result is unboxed (then the error names its type: `string`, `json.Number`).
 */
interface Slot {
  v: unknown;
  w: boolean;
}
type Scope = Map<string, Slot>[];

function lookup(scope: Scope, name: string, pos: number): Slot {
  for (let j = scope.length - 1; j >= 0; j--) {
    const m = scope[j] as Map<string, Slot>;
    const x = m.get(name);
    if (x !== undefined) return x;
  }
  // text/template refuses an undeclared variable while parsing (parse.Tree.useVar), so the
  // error reads as a parse error, with the line only.
  const e = new TemplateError(`undefined variable "${name}"`);
  e.parsePos = pos;
  throw e;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof GoNamedString) && !(v instanceof GoFloat64);
}

/** text/template's evalFieldChain on `recv` (exec.go evalField's errors). */
function field(recv: Slot, names: string[]): Slot {
  let cur = recv.v;
  let boxed = recv.w;
  for (const n of names) {
    if (cur === MISSING) return { v: MISSING, w: true };
    if (isMap(cur)) cur = Object.hasOwn(cur, n) ? cur[n] : MISSING;
    else if (cur === null || cur === undefined) throw new TemplateError(boxed ? `nil pointer evaluating interface {}.${n}` : `nil data; no entry for key "${n}"`);
    else throw new TemplateError(`can't evaluate field ${n} in type ${boxed ? 'interface {}' : goType(cur)}`);
    boxed = true;
  }
  return { v: cur, w: boxed };
}

function truth(v: unknown): boolean {
  if (v instanceof GoNamedString) return v.value !== '';
  if (v instanceof GoFloat64) return v.value !== 0;
  if (v === null || v === undefined || v === MISSING || v === false || v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string';

/** text/template's basicKind: the comparison class of an operand ('invalid': nil or a composite). */
function basicKind(v: unknown): Kind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof GoFloat64) return 'float';
  if (typeof v === 'string' || v instanceof GoNamedString) return 'string';
  return 'invalid';
}

function plain(v: unknown): unknown {
  return v instanceof GoNamedString || v instanceof GoFloat64 ? v.value : v;
}

function isNilish(v: unknown): boolean {
  return v === null || v === undefined || v === MISSING;
}

/** text/template's eq: true when arg1 equals any of the others; only like kinds compare. */
function goEq(a: unknown[]): boolean {
  const [x, ...ys] = a;
  if (ys.length === 0) throw new TemplateError('missing argument for comparison');
  const k1 = basicKind(x);
  for (const y of ys) {
    const k2 = basicKind(y);
    if (k1 !== k2) {
      if (!isNilish(x) && !isNilish(y)) throw new TemplateError('incompatible types for comparison');
      continue;
    }
    if (k1 !== 'invalid') {
      // eslint-disable-next-line eqeqeq -- an int may be a number or a bigint: 1 == 1n
      if (plain(x) === plain(y) || (k1 === 'int' && plain(x) == plain(y))) return true;
      continue;
    }
    if (isNilish(x) || isNilish(y)) {
      if (isNilish(x) && isNilish(y)) return true;
      continue;
    }
    // Slices and maps are not comparable in Go.
    throw new TemplateError(`non-comparable type ${show(y)}: ${goType(y)}`);
  }
  return false;
}

/** text/template's lt: like basic kinds only, never bools. */
function goLt(a: unknown[]): boolean {
  const [x, y] = a;
  const k1 = basicKind(x);
  const k2 = basicKind(y);
  if (k1 === 'invalid' || k2 === 'invalid') throw new TemplateError('invalid type for comparison');
  if (k1 !== k2) throw new TemplateError('incompatible types for comparison');
  if (k1 === 'bool') throw new TemplateError('invalid type for comparison');
  const p = plain(x) as string | number | bigint;
  const q = plain(y) as string | number | bigint;
  if (k1 === 'string') return Buffer.compare(goStringBytes(p as string), goStringBytes(q as string)) < 0;
  return p < q;
}

/** text/template's indexArg: an int operand within [0, len] (len itself fails in reflect). */
function indexArg(i: unknown, len: number, what: 'slice' | 'string'): number {
  if (isNilish(i)) throw new TemplateError('cannot index slice/array with nil');
  if (basicKind(i) !== 'int') throw new TemplateError(`cannot index slice/array with type ${goType(i)}`);
  const x = Number(i);
  if (x < 0 || x > len) throw new TemplateError(`index out of range: ${x}`);
  if (x === len) throw new TemplateError(`reflect: ${what} index out of range`);
  return x;
}

/** text/template's index builtin (funcs.go index). */
function goIndex(a: unknown[]): unknown {
  let cur = a[0];
  if (isNilish(cur)) throw new TemplateError('index of untyped nil');
  for (const k of a.slice(1)) {
    if (isNilish(cur)) throw new TemplateError('index of nil pointer');
    if (Array.isArray(cur)) cur = cur[indexArg(k, cur.length, 'slice')];
    else if (typeof cur === 'string' || cur instanceof GoNamedString) {
      const bytes = goStringBytes(plain(cur) as string);
      cur = bytes[indexArg(k, bytes.length, 'string')];
    } else if (isMap(cur)) {
      if (isNilish(k)) throw new TemplateError('value is nil; should be of type string');
      if (typeof k !== 'string') throw new TemplateError(`value has type ${goType(k)}; should be string`);
      cur = Object.hasOwn(cur, k) ? cur[k] : null;
    } else throw new TemplateError(`can't index item of type ${goType(cur)}`);
  }
  return cur;
}

/** text/template's slice builtin: item[i:j(:k)] of a string or a slice (funcs.go slice). */
function goSlice(a: unknown[]): unknown {
  const [item, ...idx] = a;
  if (isNilish(item)) throw new TemplateError('slice of untyped nil');
  if (idx.length > 3) throw new TemplateError(`too many slice indexes: ${idx.length}`);
  let len: number;
  if (typeof item === 'string' || item instanceof GoNamedString) {
    if (idx.length === 3) throw new TemplateError('cannot 3-index slice a string');
    len = goByteLength(plain(item) as string);
  } else if (Array.isArray(item)) len = item.length;
  else throw new TemplateError(`can't slice item of type ${goType(item)}`);
  const at = [0, len, len];
  idx.forEach((i, n) => {
    if (isNilish(i)) throw new TemplateError('cannot index slice/array with nil');
    if (basicKind(i) !== 'int') throw new TemplateError(`cannot index slice/array with type ${goType(i)}`);
    const x = Number(i);
    // Slicing may reach the end (x == len), unlike indexing.
    if (x < 0 || x > len) throw new TemplateError(`index out of range: ${x}`);
    at[n] = x;
  });
  const [i, j, k] = at as [number, number, number];
  if (i > j) throw new TemplateError(`invalid slice index: ${i} > ${j}`);
  if (idx.length === 3 && j > k) throw new TemplateError(`invalid slice index: ${j} > ${k}`);
  if (Array.isArray(item)) return item.slice(i, j);
  // the bytes of a Go string: a cut inside a UTF-8 sequence leaves raw bytes (value/go-bytes.ts)
  const bytes = decodeGoString(goStringBytes(plain(item) as string).subarray(i, j));
  return item instanceof GoNamedString ? new GoNamedString(item.type, bytes) : bytes;
}

/** text/template's call builtin: the variables hold no functions, so it always fails. */
function goCall(a: unknown[], src: string[]): never {
  const fn = a[0];
  if (isNilish(fn)) throw new TemplateError('call of nil');
  throw new TemplateError(`non-function ${src[0] ?? ''} of type ${goType(fn)}`);
}

const FUNCS: Record<string, (args: unknown[], src: string[]) => unknown> = {
  slice: goSlice,
  call: goCall,
  // the first falsy argument, which may itself be nil (so no `??`), else the last
  and: (a) => {
    const i = a.findIndex((x) => !truth(x));
    return a[i === -1 ? a.length - 1 : i];
  },
  or: (a) => a.find((x) => truth(x)) ?? a[a.length - 1],
  not: (a) => !truth(a[0]),
  len: (a) => {
    const x = a[0];
    if (typeof x === 'string' || x instanceof GoNamedString) return goByteLength(plain(x) as string);
    if (Array.isArray(x)) return x.length;
    if (isMap(x)) return Object.keys(x).length;
    if (x === null) throw new TemplateError('len of nil pointer');
    if (x === MISSING || x === undefined) throw new TemplateError('len of invalid value');
    throw new TemplateError(`len of type ${goType(x)}`);
  },
  index: goIndex,
  // fmt.Sprint spaces operands when neither is of a string kind (json.Number is one).
  print: (a) => a.map((x, i) => (i > 0 && !isStringKind(x) && !isStringKind(a[i - 1]) ? ' ' : '') + show(x)).join(''),
  println: (a) => a.map(show).join(' ') + '\n',
  printf: (a) => formatGo(String(a[0]), a.slice(1)),
  html: (a) => escapeHtml(evalArgsText(a)),
  js: (a) => escapeJs(evalArgsText(a)),
  urlquery: (a) => encodeURIComponent(evalArgsText(a)).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  eq: goEq,
  ne: (a) => !goEq([a[0], a[1]]),
  lt: goLt,
  le: (a) => goLt(a) || goEq([a[0], a[1]]),
  gt: (a) => !(goLt(a) || goEq([a[0], a[1]])),
  ge: (a) => !goLt(a),
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
  return FUNCS.print?.(a, []) as string;
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

/** text/template's printValue: a pipeline whose value is nil prints `<no value>`. */
function printed(v: unknown): string {
  return v === null || v === undefined ? '<no value>' : show(v);
}

function evalArg(a: Arg, dot: Slot, scope: Scope): Slot {
  if (a.k === 'lit') return { v: a.v, w: false };
  if (a.k === 'fn') {
    checkArity(a, 0);
    return { v: callFn(a.name, [], [], { pos: a.pos, ctx: a.src }), w: false };
  }
  const recv = a.k === 'dot' ? dot : a.k === 'var' ? lookup(scope, a.name, a.pos) : { v: evalPipe(a.p, dot, scope), w: false };
  try {
    return field(recv, a.fields);
  } catch (e) {
    throw atNode(e, { pos: a.pos, ctx: a.src });
  }
}

function callFn(name: string, args: unknown[], src: string[], node: ErrNode): unknown {
  const f = FUNCS[name];
  if (!f) throw new TemplateError(`function "${name}" not defined`);
  try {
    return f(args, src);
  } catch (e) {
    throw atNode(e, node, `error calling ${name}: `);
  }
}

/** Operand counts of text/template's functions: exact, or [at least] for variadic ones. */
const ARITY: Record<string, number | [number]> = {
  not: 1,
  len: 1,
  ne: 2,
  lt: 2,
  le: 2,
  gt: 2,
  ge: 2,
  and: [1],
  or: [1],
  index: [1],
  slice: [1],
  eq: [1],
  call: [1],
  printf: [1],
};

/** exec.go evalCall's count check, made before any operand is evaluated (at the function's name). */
function checkArity(fn: Arg & { k: 'fn' }, n: number, written = n): void {
  const want = ARITY[fn.name];
  let msg: string | undefined;
  if (typeof want === 'number' && n !== want) msg = `wrong number of args for ${fn.name}: want ${want} got ${n}`;
  // Go reports the written operands there, without a piped one.
  else if (Array.isArray(want) && n < want[0]) msg = `wrong number of args for ${fn.name}: want at least ${want[0]} got ${written}`;
  if (msg !== undefined) throw atNode(new TemplateError(msg), { pos: fn.pos, ctx: fn.src });
}

/** Evaluates a pipeline; its value comes out unboxed (exec.go evalPipeline's "lovely!"). */
function evalPipe(p: Pipe, dot: Slot, scope: Scope): unknown {
  let prev: unknown = undefined;
  let first = true;
  for (const cmd of p.cmds) {
    const head = cmd.args[0] as Arg;
    if (head.k === 'fn') checkArity(head, cmd.args.length - 1 + (first ? 0 : 1), cmd.args.length - 1);
    if (head.k === 'fn' && (head.name === 'and' || head.name === 'or')) {
      // Go ≥ 1.18 short-circuits and/or: operands after the deciding one are never evaluated.
      const stopOn = head.name === 'or';
      let v: unknown = undefined;
      let decided = false;
      for (const a of cmd.args.slice(1)) {
        v = evalArg(a, dot, scope).v;
        if (truth(v) === stopOn) {
          decided = true;
          break;
        }
      }
      prev = decided || first ? v : prev;
    } else if (head.k === 'fn') {
      const args = cmd.args.slice(1).map((a) => evalArg(a, dot, scope).v);
      if (!first) args.push(prev);
      prev = callFn(
        head.name,
        args,
        cmd.args.slice(1).map((a) => a.src),
        { pos: cmd.pos, ctx: cmd.args.map((a) => a.src).join(' ') },
      );
    } else {
      if (cmd.args.length > 1 || !first) throw atNode(new TemplateError(`can't give argument to non-function ${head.src}`), { pos: head.pos, ctx: head.src });
      prev = evalArg(head, dot, scope).v;
    }
    first = false;
  }
  const top = scope[scope.length - 1] as Map<string, Slot>;
  if (p.decl.length === 1) top.set(p.decl[0] as string, { v: prev, w: false });
  return prev;
}

/** The node text/template is at when a range value cannot be iterated: its last operand's. */
function lastNode(p: Pipe): ErrNode {
  const cmd = p.cmds[p.cmds.length - 1] as Cmd;
  const head = cmd.args[0] as Arg;
  return head.k === 'fn' ? { pos: cmd.pos, ctx: cmd.args.map((a) => a.src).join(' ') } : { pos: head.pos, ctx: head.src };
}

/** What {{break}} / {{continue}} unwind to the innermost range with (exec.go walkBreak / walkContinue). */
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

/** What every exec shares: the node budget, the named templates, how deep {{template}} calls go. */
interface ExecState {
  n: number;
  defs: Map<string, Node[]>;
  depth: number;
}

/** text/template's maxExecDepth. */
const MAX_EXEC_DEPTH = 100_000;

function execTemplate(n: Node & { k: 'template' }, dot: Slot, scope: Scope, out: string[], budget: ExecState): void {
  const body = budget.defs.get(n.name);
  const here: ErrNode = { pos: n.pos, ctx: n.src };
  if (body === undefined) throw atNode(new TemplateError(`template ${JSON.stringify(n.name)} not defined`), here);
  if (budget.depth >= MAX_EXEC_DEPTH) throw atNode(new TemplateError(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`), here);
  // exec.go walkTemplate: the pipeline's value is the new dot (none without one), $ is it
  const v = n.p === undefined ? null : evalPipe({ decl: [], cmds: n.p.cmds }, dot, scope);
  const inner: Slot = { v, w: false };
  budget.depth++;
  try {
    exec(body, inner, [new Map([['$', inner]])], out, budget);
  } catch (e) {
    // a JS stack too deep for Go's limit: the same error, at the call that went too deep
    if (e instanceof RangeError) throw atNode(new TemplateError(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`), here);
    if (e instanceof TemplateError && e.tmpl === undefined && e.node !== undefined) e.tmpl = n.name;
    throw e;
  } finally {
    budget.depth--;
  }
}

function exec(nodes: Node[], dot: Slot, scope: Scope, out: string[], budget: ExecState): void {
  for (const n of nodes) {
    if (--budget.n < 0) throw new TemplateError('template too large');
    switch (n.k) {
      case 'text':
        out.push(n.s);
        break;
      case 'action': {
        const v = evalPipe(n.p, dot, scope);
        if (n.p.decl.length === 0) out.push(printed(v));
        break;
      }
      case 'break':
      case 'continue':
        throw n.k === 'break' ? BREAK : CONTINUE;
      case 'template':
        execTemplate(n, dot, scope, out, budget);
        break;
      case 'if':
      case 'with': {
        const v = evalPipe({ decl: [], cmds: n.p.cmds }, dot, scope);
        scope.push(new Map());
        if (n.p.decl.length === 1) (scope[scope.length - 1] as Map<string, Slot>).set(n.p.decl[0] as string, { v, w: false });
        try {
          if (truth(v)) exec(n.then, n.k === 'with' ? { v, w: false } : dot, scope, out, budget);
          else exec(n.else, dot, scope, out, budget);
        } finally {
          scope.pop();
        }
        break;
      }
      case 'range': {
        const v = evalPipe({ decl: [], cmds: n.p.cmds }, dot, scope);
        // Elements come boxed in interface {}; indexes, map keys and the ints of `range N` do not.
        const pairs: [unknown, Slot][] = Array.isArray(v)
          ? v.map((x, i) => [i, { v: x, w: true }])
          : isMap(v)
            ? Object.keys(v).sort().map((k) => [k, { v: v[k], w: true }])
            : typeof v === 'number' && Number.isInteger(v)
              ? Array.from({ length: Math.max(0, v) }, (_, i) => [i, { v: i, w: false }])
              : isNilish(v)
                ? []
                : (() => {
                    throw atNode(new TemplateError(`range can't iterate over ${show(v)}`), lastNode(n.p));
                  })();
        if (pairs.length === 0) {
          exec(n.else, dot, scope, out, budget);
          break;
        }
        for (const [k, x] of pairs) {
          const m = new Map<string, Slot>();
          if (n.p.decl.length === 1) m.set(n.p.decl[0] as string, x);
          if (n.p.decl.length === 2) {
            m.set(n.p.decl[0] as string, { v: k, w: false });
            m.set(n.p.decl[1] as string, x);
          }
          scope.push(m);
          try {
            exec(n.body, x, scope, out, budget);
          } catch (e) {
            if (e === BREAK) break;
            if (e !== CONTINUE) throw e;
          } finally {
            scope.pop();
          }
        }
        break;
      }
    }
  }
}

/**
 * text/template's error text for a template named "template" (OPA's): a parse error
 * `template: template:LINE: MSG`, an execution error
 * `template: template:LINE:COL: executing "template" at <NODE>: MSG` — COL the node's 0-based
 * byte column, NODE its text cut after 20 bytes to 20 runes (parse.Tree.ErrorContext, exec.go state.errorf).
 */
function templateErrorText(e: TemplateError, src: string): string {
  if (e.parsePos !== undefined) return `template: template:${lineOf(src, e.parsePos)}: ${e.message}`;
  if (e.line !== undefined) return `template: template:${e.line}: ${e.message}`;
  if (e.node === undefined) return `template: ${e.message}`;
  const before = Buffer.from(src.slice(0, e.node.pos));
  const nl = before.lastIndexOf(10);
  const col = nl === -1 ? before.length : before.length - (nl + 1);
  // `len(context) > 20` counts bytes, `%.20s` keeps 20 runes.
  const ctx = Buffer.byteLength(e.node.ctx) > 20 ? Array.from(e.node.ctx).slice(0, 20).join('') + '...' : e.node.ctx;
  return `template: template:${lineOf(src, e.node.pos)}:${col}: executing ${JSON.stringify(e.tmpl ?? 'template')} at <${ctx}>: ${e.message}`;
}

/**
 * Renders `template` with `vars` as `.`.
 *
 * @example renderGoTemplate('strings.render_template', '{{.a}}!', { a: 'hi' }) // "hi!"
 */
export function renderGoTemplate(builtin: string, template: string, vars: PlainObject | RObject): string {
  try {
    const defs = new Map<string, Node[]>();
    const nodes = parse(template, defs);
    // the main template is "template" in its own set: {{template "template"}} calls it
    if (!defs.has('template')) defs.set('template', nodes);
    // OPA's ast.As decodes the variables' Rego text as JSON: a set or a non-string key fails
    // there, with Go's decoder message.
    const decoded = scanGoJsonDocument(formatValue(vars));
    if ('error' in decoded) throw new BuiltinError(builtin, decoded.error);
    const data: Slot = { v: templateData(vars), w: false };
    const out: string[] = [];
    exec(nodes, data, [new Map([['$', data]])], out, { n: 1_000_000, defs, depth: 0 });
    return out.join('');
  } catch (e) {
    if (e instanceof TemplateError) throw new BuiltinError(builtin, templateErrorText(e, template));
    throw e;
  }
}
