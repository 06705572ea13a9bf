/**
 * File digests as OPA's bundle signatures define them (OPA bundle/hash.go, verify.go): a
 * structured file (data.json, data.yaml, .manifest) is hashed over a canonical form — objects
 * with keys in byte order, no whitespace, numbers exactly as written, strings encoded as Go's
 * encoder does with HTML escaping off — so a signature survives re-indenting; every other file
 * is hashed byte for byte.
 *
 * The JSON is re-tokenised here rather than run through JSON.parse: JSON.parse would turn
 * `1.0` into `1` and `1e2` into `100`, and OPA hashes the literal.
 *
 * @example hashBundleFile('data.json', Buffer.from('{"b": 1, "a": [true]}'), 'SHA-256'); // sha256 of {"a":[true],"b":1}
 */
import { createHash } from 'node:crypto';
import { RegoError } from '../errors.js';
import { parseGoYaml } from '../value/go-yaml.js';

const ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

/** Whether OPA hashes `name` over its parsed content rather than its bytes. */
export function isStructuredFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === 'data.yml' || base === '.manifest';
}

/** Go's json string encoding (SetEscapeHTML(false)): JSON.stringify's, plus U+2028/U+2029 escaped. */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Canonical text of the JSON document `text` (throws on malformed JSON, naming the offset). */
export function canonicalJson(text: string, what = 'json'): string {
  let i = 0;
  const fail = (msg: string): never => {
    throw new RegoError('REGO_ERR_BUNDLE', `${what}: ${msg} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad string');
    }
  };
  const value = (): string => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const members = new Map<string, string>();
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected a key');
          const k = str();
          ws();
          if (text[i] !== ':') fail("expected ':'");
          i++;
          members.set(k, value()); // a repeated key: the last one wins, as in Go's decoder
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === '}') {
            i++;
            break;
          } else fail("expected ',' or '}'");
        }
      return '{' + [...members.keys()].sort(byteOrder).map((k) => goString(k) + ':' + members.get(k)).join(',') + '}';
    }
    if (c === '[') {
      i++;
      const items: string[] = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          items.push(value());
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') {
            i++;
            break;
          } else fail("expected ',' or ']'");
        }
      return '[' + items.join(',') + ']';
    }
    if (c === '"') return goString(str());
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    return m[0];
  };
  const out = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return out;
}

/** Canonical text of a JS value (YAML data): the same form, numbers as JSON writes them. */
function canonicalOf(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : typeof v === 'string' ? goString(v) : JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonicalOf).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).sort(byteOrder).map((k) => goString(k) + ':' + canonicalOf(o[k])).join(',') + '}';
}

/** Hex digest of the bundle file `name` with `algorithm` (OPA's names: SHA-256, SHA-512, …). */
export function hashBundleFile(name: string, bytes: Uint8Array, algorithm: string): string {
  const alg = ALGORITHMS[algorithm];
  if (alg === undefined) throw new RegoError('REGO_ERR_BUNDLE_SIGNATURE', `${name}: unsupported hashing algorithm ${JSON.stringify(algorithm)}`);
  const h = createHash(alg);
  if (!isStructuredFile(name)) return h.update(bytes).digest('hex');
  const text = Buffer.from(bytes).toString('utf8');
  if (name.endsWith('.json') || name.endsWith('.manifest')) return h.update(canonicalJson(text, name)).digest('hex');
  let doc: unknown;
  try {
    doc = parseGoYaml(text);
  } catch (e) {
    throw new RegoError('REGO_ERR_DATA_FILE', `${name}: ${(e as Error).message}`, { cause: e });
  }
  return h.update(canonicalOf(doc)).digest('hex');
}
