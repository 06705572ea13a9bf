/**
 * The audit event's `result` — the decision as the policy returned it — as JSON, exactly what
 * `JSON.stringify(result)` gives, but cheaper when the policy's answers share a shape (issue #20).
 *
 * Why: `JSON.stringify` of the bench policy's ~220-character decision was the largest single item
 * of an audit event (~14 k instructions under callgrind: per object a `toJSON` lookup along the
 * prototype chain, per string and key a flatten and a character-by-character escape through
 * V8's small first string-builder parts). A JS walk that builds the same text with `+` is no
 * better (measured: the adds and the rope's flattening eat what it saves). What does help: a
 * policy's answers repeat their structure — the same keys in the same order, the same nesting —
 * and most of their leaves (`"allow":true`, a backend's name, a bucket's limit); only a few
 * leaves vary, per user. So a decision is matched against a learnt *shape*: its keys and
 * constant leaves are fixed text, merged into a few fragments, and only the varying leaves are
 * encoded, between them. Nothing is keyed by the request: a shape is learnt from the first
 * answers of its structure and generalised (a leaf seen with two values becomes a varying one).
 *
 * Exactness: a shape matches only plain objects (prototype Object.prototype) whose for…in keys
 * are the shape's, in order, and arrays of its length; a constant leaf only the same value
 * (`===`); a varying one only the same JSON type. A varying string that JSON would escape (or
 * any surrogate) sends the whole result to `JSON.stringify`, as does anything unmatched, and a
 * polluted prototype (an enumerable key on Object.prototype, a `toJSON` on Object.prototype or
 * Array.prototype) turns the shapes off for that call. Cycles, bigints and the like never get a
 * shape (too deep, not a JSON type) and throw from `JSON.stringify` as before.
 *
 * Bounded: at most MAX_SHAPES shapes of at most MAX_NODES nodes each; learning a new one costs a
 * credit, and credits come back slowly with hits, so answers that never repeat (arrays of varying
 * length, say) settle at the plain `JSON.stringify` plus a few failed matches.
 *
 * Example:
 * ```ts
 * const encode = createResultEncoder();
 * encode({ allow: true, upstream: { path: '/users/u1/orders' } }); // '{"allow":true,"upstream":{"path":"/users/u1/orders"}}'
 * ```
 */

/** what JSON.stringify would escape in a string, and any surrogate (as audit-encoder.ts's probe) */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const MAX_SHAPES = 8;
const MAX_NODES = 256;
const MAX_DEPTH = 32;
const MAX_CREDIT = 16;
/** hits per credit given back */
const HITS_PER_CREDIT = 64;

const CONST = 0;
const STRING = 1;
const NUMBER = 2;
const BOOLEAN = 3;
const OBJECT = 4;
const ARRAY = 5;

type Leaf = string | number | boolean | null;
type Node =
  | { readonly t: typeof CONST; readonly v: Leaf }
  | { readonly t: typeof STRING | typeof NUMBER | typeof BOOLEAN }
  | { readonly t: typeof OBJECT; readonly keys: readonly string[]; readonly kids: readonly Node[] }
  | { readonly t: typeof ARRAY; readonly kids: readonly Node[] };

interface Shape {
  readonly root: Node;
  /** text before the first varying leaf, between each two, and after the last */
  readonly frags: readonly string[];
}

/** The state of one match: the text so far, the next fragment, the varying strings to check. */
interface Run {
  frags: readonly string[];
  i: number;
  out: string;
  probe: string;
}

const EMPTY = {};

export function createResultEncoder(): (result: unknown) => string | undefined {
  const shapes: Shape[] = [];
  let credit = MAX_CREDIT;
  let hits = 0;
  const run: Run = { frags: [], i: 0, out: '', probe: '' };

  return function encodeResult(result: unknown): string | undefined {
    if (typeof result !== 'object' || result === null || prototypeIsPolluted()) return JSON.stringify(result);
    for (let s = 0; s < shapes.length; s++) {
      const shape = shapes[s]!;
      run.frags = shape.frags;
      run.i = 0;
      run.out = shape.frags[0]!;
      run.probe = '';
      if (!match(shape.root, result, run)) continue;
      if (run.probe !== '' && NEEDS_ESCAPE.test(run.probe)) return JSON.stringify(result);
      if (s > 0) {
        // most recently matched first: the common answer is tried first
        shapes.splice(s, 1);
        shapes.unshift(shape);
      }
      if (++hits >= HITS_PER_CREDIT) {
        hits = 0;
        if (credit < MAX_CREDIT) credit++;
      }
      return run.out;
    }
    const json = JSON.stringify(result);
    if (credit > 0) {
      credit--;
      learn(shapes, result);
    }
    return json;
  };
}

/** Something that JSON.stringify would see and for…in or a shape would not (checked per call: cheap). */
function prototypeIsPolluted(): boolean {
  for (const _ in EMPTY) return true;
  return (Object.prototype as { toJSON?: unknown }).toJSON !== undefined || (Array.prototype as { toJSON?: unknown }).toJSON !== undefined;
}

/** Appends the varying leaves of `v` (and the fragments after them) to `r.out`; false when `v` is not of the shape. */
function match(n: Node, v: unknown, r: Run): boolean {
  switch (n.t) {
    case CONST:
      return v === n.v;
    case STRING:
      if (typeof v !== 'string') return false;
      r.probe += v;
      r.out += v + r.frags[++r.i]!;
      return true;
    case NUMBER:
      if (typeof v !== 'number') return false;
      r.out += (Number.isFinite(v) ? String(v) : 'null') + r.frags[++r.i]!;
      return true;
    case BOOLEAN:
      if (typeof v !== 'boolean') return false;
      r.out += (v ? 'true' : 'false') + r.frags[++r.i]!;
      return true;
    case OBJECT: {
      if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
      const o = v as Record<string, unknown>;
      const keys = n.keys;
      let i = 0;
      for (const k in o) {
        if (i === keys.length || k !== keys[i] || !matchKid(n.kids[i]!, o[k], r)) return false;
        i++;
      }
      return i === keys.length;
    }
    case ARRAY: {
      if (!Array.isArray(v) || v.length !== n.kids.length) return false;
      for (let i = 0; i < v.length; i++) if (!matchKid(n.kids[i]!, v[i], r)) return false;
      return true;
    }
  }
}

/**
 * `match` of a child: a constant leaf (most of a decision's: `"allow":true`, a backend's name) is
 * compared here rather than in a call of its own — `match` is recursive, so V8 does not inline
 * it into itself, and the call per leaf was most of its ~2.9 k instructions per decision.
 */
function matchKid(n: Node, v: unknown, r: Run): boolean {
  return n.t === CONST ? v === n.v : match(n, v, r);
}

/** Add `v`'s shape: merged into a shape of the same structure (its differing leaves made varying), or new. */
function learn(shapes: Shape[], v: unknown): void {
  const count = { n: 0 };
  const fresh = nodeOf(v, 0, count);
  if (fresh === null) return;
  for (let s = 0; s < shapes.length; s++) {
    const merged = mergeNodes(shapes[s]!.root, fresh);
    if (merged !== null) {
      shapes.splice(s, 1);
      shapes.unshift(shapeOf(merged));
      return;
    }
  }
  shapes.unshift(shapeOf(fresh));
  if (shapes.length > MAX_SHAPES) shapes.pop();
}

/** The shape of one value, every leaf constant; null when it is not plain JSON or too large. */
function nodeOf(v: unknown, depth: number, count: { n: number }): Node | null {
  if (++count.n > MAX_NODES || depth > MAX_DEPTH) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return { t: CONST, v };
    case 'number':
      // a non-finite number is written as null: `===` would never match NaN again
      return Number.isFinite(v) ? { t: CONST, v } : { t: NUMBER };
    case 'object': {
      if (v === null) return { t: CONST, v: null };
      if (Array.isArray(v)) {
        const kids: Node[] = [];
        for (let i = 0; i < v.length; i++) {
          const k = nodeOf(v[i], depth + 1, count);
          if (k === null) return null;
          kids.push(k);
        }
        return { t: ARRAY, kids };
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return null;
      const o = v as Record<string, unknown>;
      const keys: string[] = [];
      const kids: Node[] = [];
      for (const k in o) {
        const kid = nodeOf(o[k], depth + 1, count);
        if (kid === null) return null;
        keys.push(k);
        kids.push(kid);
      }
      return { t: OBJECT, keys, kids };
    }
    default:
      // undefined, functions, symbols, bigints: JSON.stringify's own rules (or its TypeError)
      return null;
  }
}

/** `a` and `b` merged when they have one structure: leaves that differ become varying ones of their JSON type. */
function mergeNodes(a: Node, b: Node): Node | null {
  if (a.t === OBJECT) {
    if (b.t !== OBJECT || a.keys.length !== b.keys.length) return null;
    const kids: Node[] = [];
    for (let i = 0; i < a.keys.length; i++) {
      if (a.keys[i] !== b.keys[i]) return null;
      const k = mergeNodes(a.kids[i]!, b.kids[i]!);
      if (k === null) return null;
      kids.push(k);
    }
    return { t: OBJECT, keys: a.keys, kids };
  }
  if (a.t === ARRAY) {
    if (b.t !== ARRAY || a.kids.length !== b.kids.length) return null;
    const kids: Node[] = [];
    for (let i = 0; i < a.kids.length; i++) {
      const k = mergeNodes(a.kids[i]!, b.kids[i]!);
      if (k === null) return null;
      kids.push(k);
    }
    return { t: ARRAY, kids };
  }
  if (b.t === OBJECT || b.t === ARRAY) return null;
  if (a.t === CONST && b.t === CONST && a.v === b.v) return a;
  // a null leaf has no type to vary in: a null and a string make two shapes
  const ta = leafType(a);
  if (ta === null || ta !== leafType(b)) return null;
  return { t: ta };
}

function leafType(n: Node): typeof STRING | typeof NUMBER | typeof BOOLEAN | null {
  if (n.t === STRING || n.t === NUMBER || n.t === BOOLEAN) return n.t;
  if (n.t !== CONST) return null;
  return typeof n.v === 'string' ? STRING : typeof n.v === 'number' ? NUMBER : typeof n.v === 'boolean' ? BOOLEAN : null;
}

/** The fragments of a shape: its fixed text cut at each varying leaf (a string leaf's quotes stay in the fragments). */
function shapeOf(root: Node): Shape {
  // Pieces joined once per fragment: `join` makes a flat string, one node in the event's rope
  // on each hit, where `+` would leave a rope of its own to be walked every time.
  const frags: string[] = [];
  let cur: string[] = [];
  const cut = (): void => {
    frags.push(cur.join(''));
    cur = [];
  };
  const walk = (n: Node): void => {
    switch (n.t) {
      case CONST:
        cur.push(JSON.stringify(n.v));
        return;
      case STRING:
        cur.push('"');
        cut();
        cur.push('"');
        return;
      case NUMBER:
      case BOOLEAN:
        cut();
        return;
      case OBJECT:
        cur.push('{');
        for (let i = 0; i < n.keys.length; i++) {
          cur.push((i === 0 ? '' : ',') + JSON.stringify(n.keys[i]) + ':');
          walk(n.kids[i]!);
        }
        cur.push('}');
        return;
      case ARRAY:
        cur.push('[');
        for (let i = 0; i < n.kids.length; i++) {
          if (i > 0) cur.push(',');
          walk(n.kids[i]!);
        }
        cur.push(']');
        return;
    }
  };
  walk(root);
  cut();
  return { root, frags };
}
