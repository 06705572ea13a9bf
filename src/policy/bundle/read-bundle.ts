/**
 * Reads an OPA bundle in every layout `opa build` writes (docs "Bundles" › Bundle file format):
 * - `opa build` (default): Rego sources at any path, compiled by regate;
 * - `opa build -t wasm`: `/policy.wasm`; `-t plan`: `/plan.json`;
 * - `data.json` / `data.yaml` at any depth, mounted at the path of their directory;
 * - `.manifest`: `revision`, `roots` (enforced here), `rego_version` / `file_rego_versions`,
 *   `metadata`; `.signatures.json` verified when verification options are given.
 * Also a bare `policy.wasm` or plan JSON. `*_test.rego` files are skipped, as `opa run` does.
 *
 * @example
 *   const b = await readOpaBundle(readFileSync('bundle.tar.gz'), { name: 'main' });
 *   b.manifest.revision; b.modules; b.data;
 */
import { RegoError } from '../errors.js';
import type { Policy } from '../ir/types.js';
import type { RegoVersion } from '../syntax/index.js';
import { RNumber, fromJs, parseGoYaml, parseJson, toJs, type Value } from '../value/index.js';
import { manifestRegoVersion, parseManifest, type BundleManifest } from './manifest.js';
import { assertDataInRoots, assertPackageInRoots } from './roots.js';
import { SIGNATURES_FILE, verifyBundleFiles, type BundleSignature, type BundleVerificationOptions } from './signature.js';
import { readTarFiles } from './tar.js';

export interface OpaBundle {
  wasm?: Uint8Array;
  plan?: Policy;
  /** the Rego sources (bundle built without a target), each with its dialect from the .manifest */
  modules?: { file: string; text: string; regoVersion?: RegoVersion }[];
  data: Value;
  manifest: BundleManifest;
  /** the verified signature, when verification was asked for */
  signature?: BundleSignature;
  /** every file of the archive (bundle-relative names), e.g. to persist or re-sign it */
  files: ReadonlyMap<string, Uint8Array>;
}

export interface ReadBundleOptions {
  /** names the bundle in errors (default 'bundle') */
  name?: string;
  /** verify `.signatures.json` with these keys; an unsigned or tampered bundle is refused */
  verify?: BundleVerificationOptions;
}

function fail(message: string): never {
  throw new RegoError('REGO_ERR_BUNDLE', message);
}

function json(bytes: Uint8Array, what: string): Value {
  try {
    return parseJson(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return fail(`${what}: ${(e as Error).message}`);
  }
}

const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** The package path of a module (['gateway', 'authz']), read from its `package` line. */
function packageOf(text: string, file: string): string[] {
  const noComments = text.replace(/#.*$/gm, '');
  const m = /^\s*package\s+([A-Za-z_][\w]*(?:\s*(?:\.\s*[A-Za-z_]\w*|\[\s*"[^"]*"\s*\]))*)/m.exec(noComments);
  if (!m) return fail(`${file}: no package declaration`);
  return [...m[1]!.matchAll(/[A-Za-z_]\w*|"([^"]*)"/g)].map((x) => x[1] ?? x[0]);
}

/** Places `doc` at `segs` inside `root` (a plain JSON tree); two documents at one path conflict. */
/** A JSON object as mounting sees it (an RNumber is an object in JS but a scalar here). */
const isDoc = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof RNumber);

function mount(root: Record<string, unknown>, segs: readonly string[], doc: unknown, file: string): Record<string, unknown> {
  if (segs.length === 0) {
    if (Object.keys(root).length > 0) {
      if (!isDoc(doc)) fail(`${file}: data conflicts with a value already at /`);
      for (const [k, v] of Object.entries(doc as Record<string, unknown>)) mount(root, [k], v, file);
      return root;
    }
    if (!isDoc(doc)) fail(`${file}: the root data document must be an object`);
    return Object.assign(root, doc);
  }
  let node = root;
  for (const [i, s] of segs.entries()) {
    const last = i === segs.length - 1;
    const next = node[s];
    if (last) {
      if (next === undefined) node[s] = doc;
      else if (isDoc(next) && isDoc(doc)) {
        for (const [k, v] of Object.entries(doc as Record<string, unknown>)) mount(next as Record<string, unknown>, [k], v, file);
      } else fail(`${file}: data conflicts with a value already at /${segs.join('/')}`);
    } else {
      if (next !== undefined && !isDoc(next)) fail(`${file}: data conflicts with a value already at /${segs.slice(0, i + 1).join('/')}`);
      node = (next ?? (node[s] = {})) as Record<string, unknown>;
    }
  }
  return root;
}

export async function readOpaBundle(bytes: Uint8Array, opts: ReadBundleOptions = {}): Promise<OpaBundle> {
  const where = opts.name ?? 'bundle';
  const noManifest = parseManifest(undefined, where);
  if (bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return { wasm: bytes, data: {}, manifest: noManifest, files: new Map([['policy.wasm', bytes]]) }; // "\0asm"
  if (bytes[0] === 0x7b) return { plan: json(bytes, 'plan') as unknown as Policy, data: {}, manifest: noManifest, files: new Map([['plan.json', bytes]]) }; // "{"
  const files = await readTarFiles(bytes);
  // Signature first: nothing of an unverified bundle is parsed further.
  const signature = opts.verify ? await verifyBundleFiles(files, opts.verify) : undefined;
  const manifest = parseManifest(files.get('.manifest'), where);
  const out: OpaBundle = { data: {}, manifest, files, ...(signature ? { signature } : {}) };
  const wasm = files.get('policy.wasm');
  if (wasm) out.wasm = wasm;
  const plan = files.get('plan.json');
  if (plan) out.plan = json(plan, `${where}/plan.json`) as unknown as Policy;
  let data: Record<string, unknown> = {};
  const modules: NonNullable<OpaBundle['modules']> = [];
  for (const [name, b] of [...files].sort(byName)) {
    const base = name.slice(name.lastIndexOf('/') + 1);
    const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')).split('/') : [];
    if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
      let doc: unknown;
      const text = Buffer.from(b).toString('utf8');
      try {
        // JSON through regate's parser, back to plain JSON for mounting; numbers a double cannot
        // say as written (1.0, 1e400, long integers) stay RNumbers/bigints, which fromJs keeps
        doc = base === 'data.json' ? toJs(parseJson(text), { keepText: true }) : (parseGoYaml(text) ?? {});
      } catch (e) {
        throw new RegoError('REGO_ERR_DATA_FILE', `${where}/${name}: ${(e as Error).message}`, { cause: e });
      }
      assertDataInRoots(doc, dir, manifest.roots, `${where}/${name}`);
      data = mount(data, dir, doc, `${where}/${name}`);
    } else if (name.endsWith('.rego') && !name.endsWith('_test.rego') && !out.wasm && !out.plan) {
      const text = Buffer.from(b).toString('utf8');
      assertPackageInRoots(packageOf(text, `${where}/${name}`), manifest.roots, `${where}/${name}`);
      const regoVersion = manifestRegoVersion(manifest.raw, name);
      modules.push({ file: `/${name}`, text, ...(regoVersion ? { regoVersion } : {}) });
    }
  }
  out.data = fromJs(data);
  // A bundle of data only is valid (OPA serves policy and data from separate bundles); whoever
  // loads the bundles refuses a set with no policy at all.
  if (!out.wasm && !out.plan) out.modules = modules;
  return out;
}

export { SIGNATURES_FILE };
