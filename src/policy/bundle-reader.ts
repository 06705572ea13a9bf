/**
 * Reads what `opa build` produces, so a gateway can run policies built by OPA itself:
 * - `bundle.tar.gz` from `opa build -t wasm` (`/policy.wasm`, `/data.json`, `/.manifest`) or
 *   `opa build -t plan` (`/plan.json`, `/data.json`, `/.manifest`);
 * - a bare `policy.wasm`, or a bare plan JSON (`ir.Policy`).
 *
 * Tar is read by hand (ustar headers are 512-byte blocks; gzip via node:zlib): the format is
 * tiny and a dependency would cost more than these lines. Entries are bounded in size and count,
 * and names are never used as file system paths.
 */
import { gunzipSync } from 'node:zlib';
import { RegoError } from './errors.js';
import type { Policy } from './ir/types.js';
import { manifestRegoVersion } from './bundle-manifest.js';
import type { RegoVersion } from './syntax/index.js';
import { parseJson, type Value } from './value/index.js';

export interface OpaBundle {
  wasm?: Uint8Array;
  plan?: Policy;
  /** the Rego sources of a bundle built without a target (`opa build`), each with its dialect from the .manifest */
  modules?: { file: string; text: string; regoVersion?: RegoVersion }[];
  data: Value;
  /** `.manifest`, when the bundle has one */
  manifest?: unknown;
}

const MAX_ENTRIES = 10_000;
const MAX_BYTES = 256 * 1024 * 1024;

function fail(message: string): never {
  throw new RegoError('REGO_ERR_BUNDLE', message);
}

/** Entries of a (gzipped) ustar archive, names normalised without a leading `/` or `./`. */
export function readTar(archive: Uint8Array): Map<string, Uint8Array> {
  const tar = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive, { maxOutputLength: MAX_BYTES }) : archive;
  const files = new Map<string, Uint8Array>();
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8').replace(/\0.*$/s, '');
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break; // end-of-archive marker
    const prefix = text(h.subarray(345, 500));
    const name = (prefix ? `${prefix}/` : '') + text(h.subarray(0, 100));
    const size = parseInt(text(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 0);
    if (!Number.isFinite(size) || size < 0 || off + 512 + size > tar.length) fail('truncated or corrupt tar archive');
    if (type === '0' || type === '\0') {
      if (files.size >= MAX_ENTRIES) fail('too many entries in the bundle');
      files.set(name.replace(/^\.?\/+/, ''), tar.subarray(off + 512, off + 512 + size));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function json(bytes: Uint8Array, what: string): Value {
  try {
    return parseJson(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
}

/** The root data.json plus every `dir/data.json` at the path of its directory (as `opa build` lays data out). */
function mergeNestedData(files: Map<string, Uint8Array>, root: Value): Value {
  let data = root as Record<string, unknown>;
  for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!name.endsWith('/data.json')) continue;
    const segs = name.split('/').slice(0, -1);
    const doc = json(bytes, name);
    let node = data;
    for (const [i, s] of segs.entries()) {
      if (i === segs.length - 1) {
        if (node[s] !== undefined) fail(`${name}: data conflicts with a value already at the same path`);
        node[s] = doc;
      } else {
        const next = node[s];
        if (next !== undefined && (next === null || typeof next !== 'object' || Array.isArray(next))) fail(`${name}: data conflicts with a value already at the same path`);
        node = (next ?? (node[s] = {})) as Record<string, unknown>;
      }
    }
  }
  data = data ?? {};
  return data as Value;
}

/**
 * @example
 * const b = readOpaBundle(readFileSync('bundle.tar.gz'));
 * const policy = await loadPolicyBundle({ wasm: b.wasm, plan: b.plan, data: b.data, entrypoints, engine: 'wasm' });
 */
export function readOpaBundle(bytes: Uint8Array): OpaBundle {
  if (bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return { wasm: bytes, data: {} }; // "\0asm"
  if (bytes[0] === 0x7b) return { plan: json(bytes, 'plan') as unknown as Policy, data: {} }; // "{"
  const files = readTar(bytes);
  const out: OpaBundle = { data: {} };
  const wasm = files.get('policy.wasm');
  if (wasm) out.wasm = wasm;
  const plan = files.get('plan.json');
  if (plan) out.plan = json(plan, 'plan.json') as unknown as Policy;
  const data = files.get('data.json');
  if (data) out.data = json(data, 'data.json');
  const manifest = files.get('.manifest');
  if (manifest) out.manifest = json(manifest, '.manifest');
  if (!out.wasm && !out.plan) {
    // a Rego bundle: its modules are compiled by regate, in the dialect the manifest names
    const modules = [...files]
      .filter(([name]) => name.endsWith('.rego') && !name.endsWith('_test.rego'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, bytes]) => {
        const regoVersion = manifestRegoVersion(out.manifest, name);
        return { file: '/' + name, text: Buffer.from(bytes).toString('utf8'), ...(regoVersion ? { regoVersion } : {}) };
      });
    if (modules.length === 0) fail('the bundle holds neither /policy.wasm, /plan.json nor .rego files');
    out.modules = modules;
    out.data = mergeNestedData(files, out.data);
  }
  return out;
}
