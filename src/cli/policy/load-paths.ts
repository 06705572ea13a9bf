/**
 * What `regate policy` commands read, as OPA's file loader (loader/loader.go) and bundle reader
 * read it: policy and data files and directories (`opa test dir/ x.rego`, `opa eval -d dir -d
 * data.json`) and bundles (`-b dir` or `-b bundle.tar.gz`).
 *
 * The file loader:
 * - `prefix.path:file` loads a file's or directory's documents under `data.prefix.path` (OPA's
 *   SplitPrefix; `file://` URLs are plain paths);
 * - walks directories in name order, hidden ones too; every `.json`/`.yaml`/`.yml` file is a
 *   document at the path of its subdirectory; a `.tar.gz` found on the way is read as a bundle
 *   (its modules, its data at that same path) unless the command skips archives (`build`, which
 *   reads bundles only with `-b`); any other file in a directory is skipped, while one given by
 *   name is tried as Rego, then JSON, then YAML;
 * - merges documents strictly: two files giving anything at one path (even the same value) are
 *   `<file>: merge error`, a document placed at the root must be an object;
 * - reports every file's error, not just the first (LoadErrors).
 *
 * @example
 *   const { modules, data } = await loadPaths(['policies/', 'limits:extra.json'], { includeTests: true });
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RegoError, fromJs, isObject, makeObject, manifestRegoVersion, mergeData, nameGlob, objectEntries, objectGet, parseJson, parseModule, parseYamlDocument, readPolicyDir, readTarFiles, stringifyJson, type ModuleSource, type RegoVersion, type Value } from '../../policy/index.js';
import { LoadErrors } from './opa-errors.js';

export interface LoadedFiles {
  modules: ModuleSource[];
  data: Value;
  /** a `.tar.gz` bundle's `/plan.json` (what `regate policy build` writes by default): the plan as JSON */
  plan?: unknown;
}

export interface LoadOptions {
  /** read `*_test.rego` files too */
  includeTests: boolean;
  /** `--ignore` patterns: skip what lies below a given directory whose base name matches one */
  ignore?: readonly string[];
  /** read `.rego` files only (`opa check`) */
  regoOnly?: boolean;
  /** skip `.tar.gz` files (`opa build` without `-b`) */
  skipArchives?: boolean;
  /** the dialect a file given by name with another extension is tried in */
  regoVersion?: RegoVersion;
}

/** OPA's loader.SplitPrefix: `a.b:path` → (['a', 'b'], path); a URL's `://` is not a prefix. */
export function splitPrefix(arg: string): { prefix: string[]; path: string } {
  const colon = arg.indexOf(':');
  const clean = (p: string) => (p.startsWith('file://') ? p.slice('file://'.length) : p);
  if (colon <= 0 || arg.indexOf('://') === colon) return { prefix: [], path: clean(arg) };
  return { prefix: arg.slice(0, colon).split('.'), path: clean(arg.slice(colon + 1)) };
}

/** A JSON or YAML document (YAML as OPA reads it: YAML 1.1, the first document). */
export function parseDataText(text: string, path: string): Value {
  try {
    return path.endsWith('.json') ? parseJson(text) : fromJs(parseYamlDocument(text));
  } catch (e) {
    throw new RegoError('REGO_ERR_DATA_FILE', `${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Does merging `b` into `a` put two things at one path? (OPA's merge.InterfaceMaps: only objects merge, equal leaves conflict too.) */
function conflicts(a: Value, b: Value): boolean {
  if (!isObject(a) || !isObject(b)) return true;
  for (const [k, v] of objectEntries(b)) {
    const prev = objectGet(a, k);
    if (prev !== undefined && conflicts(prev, v)) return true;
  }
  return false;
}

function mergeObjects(a: Value, b: Value): Value {
  if (!isObject(a) || !isObject(b)) return b;
  const out = new Map<string, [Value, Value]>();
  for (const [k, v] of objectEntries(a)) out.set(stringifyJson(k), [k, v]);
  for (const [k, v] of objectEntries(b)) {
    const prev = objectGet(a, k);
    out.set(stringifyJson(k), [k, prev === undefined ? v : mergeObjects(prev, v)]);
  }
  return makeObject(out.values());
}

/** The documents read so far, and every error met on the way. */
class Loader {
  readonly modules: ModuleSource[] = [];
  data: Value = {};
  readonly errors: RegoError[] = [];

  private readonly ignore: ((name: string) => boolean)[];

  constructor(private readonly opts: LoadOptions) {
    this.ignore = (opts.ignore ?? []).map(nameGlob);
  }

  /** OPA's mergeDocument: `doc` placed at `path`, merged into the data without a conflict. */
  addDocument(file: string, path: readonly string[], doc: Value): void {
    if (path.length === 0 && !isObject(doc)) {
      this.errors.push(new RegoError('REGO_ERR_DATA_FILE', `${file}: document must be of type object`));
      return;
    }
    const placed = path.reduceRight<Value>((acc, s) => ({ [s]: acc }), doc);
    if (conflicts(this.data, placed)) {
      this.errors.push(new RegoError('REGO_ERR_DATA_CONFLICT', `${file}: merge error`));
      return;
    }
    this.data = mergeObjects(this.data, placed);
  }

  async walk(p: string, path: readonly string[], depth: number): Promise<void> {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.errors.push(new RegoError('REGO_ERR_FILE', `${p}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(code)}`));
      return;
    }
    // As OPA's --ignore filter, which applies from depth 1: a path given by name is always read.
    if (depth > 0 && this.ignore.some((g) => g(basename(p)))) return;
    if (!isDir) return this.file(p, path, depth);
    const here = depth > 0 ? [...path, basename(p)] : path;
    let names: string[];
    try {
      names = (await readdir(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (e) {
      this.errors.push(new RegoError('REGO_ERR_FILE', `${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
      return;
    }
    for (const name of names) await this.walk(join(p, name), here, depth + 1);
  }

  private async file(p: string, path: readonly string[], depth: number): Promise<void> {
    const o = this.opts;
    if (p.endsWith('.rego')) {
      if (!o.includeTests && depth > 0 && p.endsWith('_test.rego')) return;
      this.modules.push({ file: p, text: await readFile(p, 'utf8') });
      return;
    }
    if (o.regoOnly) return;
    try {
      if (/\.(json|ya?ml)$/.test(p)) return this.addDocument(p, path, parseDataText(await readFile(p, 'utf8'), p));
      if (p.endsWith('.tar.gz')) {
        if (o.skipArchives) return;
        const b = await readArchive(p, o.includeTests, true);
        this.modules.push(...b.modules);
        return this.addDocument(p, path, b.data);
      }
      // In a directory an unknown file is skipped; given by name it is tried as each kind in turn.
      if (depth > 0) return;
      const text = await readFile(p, 'utf8');
      const version = o.regoVersion ?? 'v1';
      try {
        parseModule(text, p, { regoVersion: version });
        this.modules.push({ file: p, text });
        return;
      } catch {
        // not Rego: try the data formats
      }
      let doc: Value;
      try {
        doc = parseJson(text);
      } catch {
        try {
          doc = fromJs(parseYamlDocument(text));
        } catch {
          throw new RegoError('REGO_ERR_FILE', `${p}: can't recognize file type`);
        }
      }
      this.addDocument(p, path, doc);
    } catch (e) {
      if (e instanceof LoadErrors) this.errors.push(...e.errors);
      else if (e instanceof RegoError) this.errors.push(e);
      else throw e;
    }
  }
}

/**
 * Reads each path as OPA's file loader does (see the top of this file). Throws LoadErrors with
 * every error found when any file could not be read.
 */
export async function loadPaths(paths: readonly string[], opts: LoadOptions): Promise<LoadedFiles> {
  const l = new Loader(opts);
  for (const arg of paths) {
    const { prefix, path } = splitPrefix(arg);
    await l.walk(path, prefix, 0);
  }
  if (l.errors.length > 0) throw new LoadErrors(l.errors);
  return { modules: l.modules, data: l.data };
}

/**
 * A `.tar.gz` bundle: its modules (named `<archive>/<path>`, in the dialect its `.manifest` names)
 * and data.json/data.yaml files at their directories. `includeManifest`: the file loader's way
 * (OPA's IncludeManifestInData), the manifest with its defaults is data too, at
 * `system.bundle.manifest` (so two archives in one load conflict there, as in opa).
 */
async function readArchive(path: string, includeTests: boolean, includeManifest = false): Promise<LoadedFiles> {
  let files: Map<string, Uint8Array>;
  try {
    files = await readTarFiles(await readFile(path));
  } catch (e) {
    if (e instanceof RegoError) throw e;
    throw new RegoError('REGO_ERR_BUNDLE', `bundle ${path}: ${(e as Error).message}`, { cause: e });
  }
  const modules: ModuleSource[] = [];
  let data: Value = {};
  const manifestBytes = files.get('.manifest');
  let manifest: unknown;
  try {
    manifest = manifestBytes === undefined ? undefined : JSON.parse(Buffer.from(manifestBytes).toString('utf8'));
  } catch (e) {
    throw new RegoError('REGO_ERR_BUNDLE', `${path}/.manifest: ${(e as Error).message}`);
  }
  for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = Buffer.from(bytes).toString('utf8');
    const base = name.split('/').at(-1) ?? '';
    if (name.endsWith('.rego')) {
      if (!includeTests && name.endsWith('_test.rego')) continue;
      const regoVersion = manifestRegoVersion(manifest, name);
      modules.push({ file: join(path, name), text, ...(regoVersion ? { regoVersion } : {}) });
    } else if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
      const segs = name.split('/').slice(0, -1).filter((s) => s !== '');
      data = mergeData(data, segs.reduceRight<Value>((acc, s) => ({ [s]: acc }), parseDataText(text, `${path}/${name}`)), `${path}/${name}`);
    }
  }
  const planBytes = files.get('plan.json');
  let plan: unknown;
  if (planBytes !== undefined) {
    try {
      plan = JSON.parse(Buffer.from(planBytes).toString('utf8'));
    } catch (e) {
      throw new RegoError('REGO_ERR_BUNDLE', `${path}/plan.json: ${(e as Error).message}`);
    }
  }
  if (includeManifest) {
    const raw = manifest !== null && typeof manifest === 'object' && !Array.isArray(manifest) ? (manifest as Record<string, unknown>) : {};
    const withDefaults = { ...raw, revision: typeof raw['revision'] === 'string' ? raw['revision'] : '', roots: Array.isArray(raw['roots']) ? raw['roots'] : [''] };
    data = mergeData(data, fromJs({ system: { bundle: { manifest: withDefaults } } }), `${path}/.manifest`);
  }
  return plan === undefined ? { modules, data } : { modules, data, plan };
}

/**
 * A bundle (`-b`): a directory laid out as `opa build` reads it (only data.json / data.yaml are
 * data, hidden directories skipped), or a .tar.gz of one. Its `.rego` files are modules in the
 * dialect its `.manifest` names; `includeTests` keeps its `*_test.rego` files (`opa test -b`).
 */
export async function loadBundle(path: string, opts: { includeTests?: boolean } = {}): Promise<LoadedFiles> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RegoError('REGO_ERR_FILE', `${path}: ${code === 'ENOENT' ? 'no such file or directory' : String(code)}`);
  }
  if (isDir) return readPolicyDir(path, { includeTests: opts.includeTests === true });
  if (!/\.(tar\.gz|tgz)$/.test(path)) throw new RegoError('REGO_ERR_FILE', `${path}: a bundle is a directory or a .tar.gz archive`);
  return readArchive(path, opts.includeTests === true);
}
