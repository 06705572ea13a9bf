/**
 * RFC 6902 JSON Patch over Rego values (OPA json.patch, built on its edit tree): objects,
 * arrays (index or `-` to append) and sets (the segment is the member). Any failure makes
 * the whole patch fail, which OPA reports as an undefined result.
 */
import { ObjectBuilder, RSet, equal, isObject, objectEntries, objectGet, type Value } from '../../value/index.js';
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

function getAt(doc: Value, path: Value[]): Value {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(seg, cur.length, false)] as Value;
    else if (cur instanceof RSet) {
      if (!cur.has(seg)) throw new PatchError('no such set member');
      cur = seg;
    } else if (isObject(cur)) {
      const next = objectGet(cur, seg);
      if (next === undefined) throw new PatchError('no such key');
      cur = next;
    } else throw new PatchError('path through scalar');
  }
  return cur;
}

/** Rebuilds `doc` with `f` applied to the parent container of the path's last segment. */
function update(doc: Value, path: Value[], f: (parent: Value, last: Value) => Value): Value {
  if (path.length === 0) throw new PatchError('empty path');
  const [seg, ...rest] = path as [Value, ...Value[]];
  if (rest.length === 0) return f(doc, seg);
  if (Array.isArray(doc)) {
    const i = arrayIndex(seg, doc.length, false);
    const out = [...doc];
    out[i] = update(doc[i] as Value, rest, f);
    return out;
  }
  if (doc instanceof RSet) {
    if (!doc.has(seg)) throw new PatchError('no such set member');
    const out = new RSet();
    for (const e of doc.values()) out.add(equal(e, seg) ? update(e, rest, f) : e);
    return out;
  }
  if (isObject(doc)) {
    const child = objectGet(doc, seg);
    if (child === undefined) throw new PatchError('no such key');
    const b = new ObjectBuilder();
    for (const [k, v] of objectEntries(doc)) b.set(k, equal(k, seg) ? update(child, rest, f) : v);
    return b.build();
  }
  throw new PatchError('path through scalar');
}

function addAt(doc: Value, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  return update(doc, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, true);
      return [...parent.slice(0, i), value, ...parent.slice(i)];
    }
    // a set member is its own key: the path must name the value added (edittree Insert:
    // 'set key … does not equal value to be inserted')
    if (parent instanceof RSet) {
      if (!equal(last, value)) throw new PatchError('set key does not equal the value');
      return RSet.of(parent.values()).add(value);
    }
    if (isObject(parent)) {
      const b = new ObjectBuilder();
      for (const [k, v] of objectEntries(parent)) b.set(k, v);
      b.set(last, value);
      return b.build();
    }
    throw new PatchError('cannot add to scalar');
  });
}

function removeAt(doc: Value, path: Value[]): Value {
  if (path.length === 0) throw new PatchError('cannot remove root');
  return update(doc, path, (parent, last) => {
    if (Array.isArray(parent)) {
      const i = arrayIndex(last, parent.length, false);
      return [...parent.slice(0, i), ...parent.slice(i + 1)];
    }
    if (parent instanceof RSet) {
      if (!parent.has(last)) throw new PatchError('no such set member');
      return RSet.of(parent.values().filter((e) => !equal(e, last)));
    }
    if (isObject(parent)) {
      if (objectGet(parent, last) === undefined) throw new PatchError('no such key');
      const b = new ObjectBuilder();
      for (const [k, v] of objectEntries(parent)) if (!equal(k, last)) b.set(k, v);
      return b.build();
    }
    throw new PatchError('cannot remove from scalar');
  });
}

/** Applies the operations; undefined when any of them fails (OPA: json.patch is then undefined). */
export function applyJsonPatch(doc: Value, ops: readonly Value[]): Value | undefined {
  let cur = doc;
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
          cur = addAt(cur, path, value);
          break;
        case 'remove':
          cur = removeAt(cur, path);
          break;
        case 'replace':
          if (value === undefined) return undefined;
          // an empty path names the whole document, which replace swaps out (OPA jsonPatchReplace);
          // remove has no such case (removing the root is undefined)
          cur = path.length === 0 ? value : addAt(removeAt(cur, path), path, value);
          break;
        case 'move': {
          if (fromV === undefined) return undefined;
          const from = parsePath('json.patch', fromV);
          const chunk = getAt(cur, from);
          cur = addAt(removeAt(cur, from), path, chunk);
          break;
        }
        case 'copy': {
          if (fromV === undefined) return undefined;
          cur = addAt(cur, path, getAt(cur, parsePath('json.patch', fromV)));
          break;
        }
        case 'test':
          if (value === undefined || !equal(getAt(cur, path), value)) return undefined;
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
  return cur;
}
