/**
 * RFC 6902 JSON Patch over Rego values as OPA's json.patch applies it: through its edit tree
 * (internal/edittree), whose bookkeeping the result depends on. Objects, arrays (index or `-`
 * to append) and sets (the segment is the member). Any failure makes the whole patch fail,
 * which OPA reports as an undefined result.
 *
 * One behaviour of the edit tree a plain in-order application does not have: reaching into an
 * array element that no earlier operation put there (a `test`, the `from` of a `copy` or
 * `move`, or the parent of a deeper path) reads the ORIGINAL array at the CURRENT index and puts
 * that element at the index, replacing what is there. So after `add /a/0 x` on `{"a": [1, 2]}`
 * (now `[x, 1, 2]`), `test /a/1` compares against 2, not 1, and leaves `[x, 2, 2]` behind.
 * OPA's answer is the measure, so regate keeps the same tree.
 */
import { ObjectBuilder, RSet, equal, hashKey, isObject, objectEntries, objectGet, type Value } from '../../value/index.js';
import { parsePath } from './json-paths.js';

class PatchError extends Error {}

/** int64 bounds of strconv.ParseInt(s, 10, 64), which ast.Number.Int() is. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function arrayIndex(seg: Value, len: number, forInsert: boolean): number {
  // OPA's edit tree (internal/edittree toIndex): "-" is the length (only an insert can use it);
  // a string is read as ast.Number(s).Int(), strconv.ParseInt base 10 — so "+1" is 1 and "-0"
  // is 0, "-1" parses but is out of bounds — and then any other string starting with "0" is
  // refused ("leading zeros"); a number must be an integer by its text (an RNumber 1.0 or 1e0
  // is no index even when integral).
  if (seg === '-') {
    if (forInsert) return len;
    throw new PatchError('index out of range');
  }
  let n: bigint;
  if (typeof seg === 'number' && Number.isInteger(seg)) n = BigInt(seg);
  else if (typeof seg === 'bigint') n = seg;
  else if (typeof seg === 'string' && /^[+-]?[0-9]+$/.test(seg)) {
    if (seg !== '0' && seg.startsWith('0')) throw new PatchError('leading zeros are not allowed in JSON paths');
    n = BigInt(seg);
  } else throw new PatchError(`invalid array index ${String(seg)}`);
  if (n < INT64_MIN || n > INT64_MAX) throw new PatchError('invalid array index');
  if (n < 0n || n > BigInt(forInsert ? len : len - 1)) throw new PatchError('index out of range');
  return Number(n);
}

/** A child of an object or set node; null is a deletion (edittree: a nil child value). */
interface Keyed {
  key: Value;
  node: EditTree | null;
}

/**
 * One node of OPA's edit tree: the value as it was, and the edits below it. Arrays record which
 * original elements are gone (`eliminated`, by original index) and which current positions
 * hold an inserted child (`inserted`, by current index, with `kids`).
 */
class EditTree {
  value: Value | null;
  keyed = new Map<string, Keyed>();
  eliminated: boolean[] = [];
  inserted: boolean[] = [];
  kids = new Map<number, EditTree>();

  constructor(value: Value | null) {
    this.value = value;
    this.reset(value);
  }

  reset(value: Value | null): void {
    this.value = value;
    this.keyed = new Map();
    this.kids = new Map();
    const n = Array.isArray(value) ? value.length : 0;
    this.eliminated = new Array<boolean>(n).fill(false);
    this.inserted = new Array<boolean>(n).fill(false);
  }

  /** a set indexed by a composite member is rendered and started afresh (edittree collapses it) */
  private collapse(): void {
    this.reset(this.render());
  }

  insert(key: Value, value: Value): EditTree {
    const v = this.value;
    if (v === null) throw new PatchError('deleted node encountered during insert operation');
    const child = new EditTree(value);
    if (Array.isArray(v)) {
      const idx = arrayIndex(key, this.inserted.length, true);
      const moved = [...this.kids].filter(([i]) => i >= idx);
      for (const [i] of moved) this.kids.delete(i);
      for (const [i, k] of moved) this.kids.set(i + 1, k);
      this.inserted.splice(idx, 0, true);
      this.kids.set(idx, child);
      return child;
    }
    if (v instanceof RSet) {
      if (!equal(key, value)) throw new PatchError('set key does not equal the value to be inserted');
      if (isComposite(key)) this.collapse();
    } else if (!isObject(v)) throw new PatchError('expected composite type');
    this.keyed.set(hashKey(key), { key, node: child });
    return child;
  }

  delete(key: Value): void {
    const v = this.value;
    if (v === null) throw new PatchError('deleted node encountered during delete operation');
    if (Array.isArray(v)) {
      const idx = arrayIndex(key, this.inserted.length, false);
      this.kids.delete(idx);
      const moved = [...this.kids].filter(([i]) => i > idx);
      for (const [i] of moved) this.kids.delete(i);
      for (const [i, k] of moved) this.kids.set(i - 1, k);
      if (!this.inserted[idx]) {
        // "bleed through": the original element at this position is knocked out
        let zeroes = 1;
        for (let i = 0; i < idx; i++) if (!this.inserted[i]) zeroes++;
        let seen = 0;
        for (let j = 0; j < this.eliminated.length; j++) {
          if (!this.eliminated[j] && ++seen === zeroes) {
            this.eliminated[j] = true;
            break;
          }
        }
      }
      this.inserted.splice(idx, 1);
      return;
    }
    if (v instanceof RSet && isComposite(key)) this.collapse();
    else if (v instanceof RSet || isObject(v)) {
      const known = this.keyed.get(hashKey(key));
      if (known !== undefined) {
        if (known.node === null) throw new PatchError('cannot delete the already deleted node');
        known.node = null;
        return;
      }
    }
    if (!(this.value instanceof RSet) && !isObject(this.value as Value)) throw new PatchError('expected composite type');
    // not edited yet: delete it from the value as it was
    if (findIn(this.value as Value, key) === undefined) throw new PatchError('cannot delete child key that does not exist');
    this.keyed.set(hashKey(key), { key, node: null });
  }

  /** The node at `path`, creating the nodes on the way (edittree Unfold). */
  unfold(path: readonly Value[]): EditTree {
    if (path.length === 0) return this;
    const v = this.value;
    if (v === null) throw new PatchError('nil value encountered where composite value was expected');
    const [key, ...rest] = path as [Value, ...Value[]];
    if (Array.isArray(v)) {
      const idx = arrayIndex(key, this.inserted.length, true);
      const kid = this.kids.get(idx);
      if (kid !== undefined) return kid.unfold(rest);
      // the ORIGINAL array read at the CURRENT index, then put there (edittree: Delete + Insert)
      if (idx >= v.length) throw new PatchError('path does not exist in array');
      this.delete(idx);
      return this.insert(idx, v[idx] as Value).unfold(rest);
    }
    if (v instanceof RSet || isObject(v)) {
      if (v instanceof RSet && isComposite(key)) this.collapse();
      else {
        const known = this.keyed.get(hashKey(key));
        if (known !== undefined) {
          if (known.node === null) throw new PatchError('cannot unfold the already deleted node');
          return known.node.unfold(rest);
        }
      }
      const found = findIn(this.value as Value, key);
      if (found === undefined) throw new PatchError('path does not exist');
      return this.insert(key, found).unfold(rest);
    }
    throw new PatchError('expected composite type');
  }

  render(): Value | null {
    const v = this.value;
    if (v === null) return null;
    if (Array.isArray(v)) {
      const out: Value[] = [];
      let e = 0;
      for (let i = 0; i < this.inserted.length; i++) {
        if (this.inserted[i]) {
          out.push(this.kids.get(i)!.render() as Value);
          continue;
        }
        while (this.eliminated[e]) e++;
        out.push(v[e++] as Value);
      }
      return out;
    }
    if (this.keyed.size === 0) return v;
    if (v instanceof RSet) {
      const out = new RSet();
      for (const { node } of this.keyed.values()) if (node !== null) out.add(node.render() as Value);
      for (const m of v.values()) if (!this.keyed.has(hashKey(m))) out.add(m);
      return out;
    }
    if (!isObject(v)) return v;
    const b = new ObjectBuilder();
    for (const [k, x] of objectEntries(v)) if (!this.keyed.has(hashKey(k))) b.set(k, x);
    for (const { key, node } of this.keyed.values()) if (node !== null) b.set(key, node.render() as Value);
    return b.build();
  }

  insertAt(path: readonly Value[], value: Value): void {
    if (path.length === 0) return this.reset(value);
    this.unfold(path.slice(0, -1)).insert(path[path.length - 1] as Value, value);
  }

  deleteAt(path: readonly Value[]): void {
    if (path.length === 0) {
      if (this.value === null) throw new PatchError('deleted node encountered during delete operation');
      return this.reset(null);
    }
    this.unfold(path.slice(0, -1)).delete(path[path.length - 1] as Value);
  }

  renderAt(path: readonly Value[]): Value {
    const r = this.unfold(path).render();
    if (r === null) throw new PatchError('deleted node');
    return r;
  }
}

const isComposite = (v: Value): boolean => Array.isArray(v) || v instanceof RSet || isObject(v);

/** A member of a set or a key's value in an object, as the value was. */
function findIn(v: Value, key: Value): Value | undefined {
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  if (isObject(v)) return objectGet(v, key);
  return undefined;
}

/** Applies the operations; undefined when any of them fails (OPA: json.patch is then undefined). */
export function applyJsonPatch(doc: Value, ops: readonly Value[]): Value | undefined {
  const tree = new EditTree(doc);
  try {
    for (const op of ops) {
      if (!isObject(op)) return undefined;
      const kind = objectGet(op, 'op');
      const pathV = objectGet(op, 'path');
      if (typeof kind !== 'string' || pathV === undefined) return undefined;
      const path = parsePath('json.patch', pathV);
      const value = objectGet(op, 'value');
      const fromV = objectGet(op, 'from');
      switch (kind) {
        case 'add':
          if (value === undefined) return undefined;
          tree.insertAt(path, value);
          break;
        case 'remove':
          tree.deleteAt(path);
          break;
        case 'replace':
          if (value === undefined) return undefined;
          tree.deleteAt(path);
          tree.insertAt(path, value);
          break;
        case 'move': {
          if (fromV === undefined) return undefined;
          const from = parsePath('json.patch', fromV);
          const chunk = tree.renderAt(from);
          tree.deleteAt(from);
          tree.insertAt(path, chunk);
          break;
        }
        case 'copy': {
          if (fromV === undefined) return undefined;
          tree.insertAt(path, tree.renderAt(parsePath('json.patch', fromV)));
          break;
        }
        case 'test':
          if (value === undefined || !equal(tree.renderAt(path), value)) return undefined;
          break;
        default:
          return undefined;
      }
    }
  } catch (e) {
    if (e instanceof PatchError) return undefined;
    if (e instanceof Error && e.name === 'BuiltinTypeError') return undefined;
    throw e;
  }
  const out = tree.render();
  // the whole document removed: OPA's render is nil, no value
  return out === null ? undefined : out;
}
