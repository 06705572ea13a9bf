/**
 * What `regate policy` commands read: policy files and directories (`opa test dir/ x.rego`,
 * `opa eval -d dir -d data.json`) and bundles (`-b dir` or `-b bundle.tar.gz`). A path that does
 * not exist, or is not of the kind expected, is a REGO_ERR_FILE naming it.
 *
 * @example
 *   const { modules, data } = await loadPaths(['policies/', 'extra.json'], { includeTests: true });
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RegoError, fromJs, manifestRegoVersion, mergeData, nameGlob, parseJson, readPolicyDir, readTar, type ModuleSource, type Value } from '../../policy/index.js';

export interface LoadedFiles {
  modules: ModuleSource[];
  data: Value;
}

async function kindOf(path: string): Promise<'file' | 'dir'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RegoError('REGO_ERR_FILE', `${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(code)}`);
  }
}

/** A JSON or YAML data document (OPA: `-d x.json` puts its content at the root of data). */
export function parseDataText(text: string, path: string): Value {
  try {
    return path.endsWith('.json') ? parseJson(text) : fromJs(parseYaml(text) ?? {});
  } catch (e) {
    throw new RegoError('REGO_ERR_DATA_FILE', `${path}: ${(e as Error).message}`, { cause: e });
  }
}

const DATA_EXT = new Set(['.json', '.yaml', '.yml']);

/**
 * Reads each path: a directory recursively (as readPolicyDir), a .rego file, or a data file.
 * `ignore` (`--ignore` patterns) skips what lies below a directory given when its base name
 * matches one; a path given by name is always read, as OPA applies the patterns from depth 1.
 */
export async function loadPaths(paths: readonly string[], opts: { includeTests: boolean; ignore?: readonly string[] }): Promise<LoadedFiles> {
  const modules: ModuleSource[] = [];
  let data: Value = {};
  const globs = (opts.ignore ?? []).map(nameGlob);
  const ignore = globs.length === 0 ? undefined : (name: string) => globs.some((g) => g(name));
  for (const p of paths) {
    if ((await kindOf(p)) === 'dir') {
      const r = await readPolicyDir(p, { includeTests: opts.includeTests, ...(ignore ? { ignore } : {}) });
      modules.push(...r.modules);
      data = mergeData(data, r.data, p);
    } else if (p.endsWith('.rego')) {
      modules.push({ file: p, text: await readFile(p, 'utf8') });
    } else if (DATA_EXT.has(extname(p))) {
      data = mergeData(data, parseDataText(await readFile(p, 'utf8'), p), p);
    } else {
      throw new RegoError('REGO_ERR_FILE', `${p}: not a .rego file, a data file (.json, .yaml) or a directory`);
    }
  }
  return { modules, data };
}

/**
 * A bundle: a directory laid out as `opa build` reads it, or a .tar.gz of one. Data files go to
 * the path of their directory; `.rego` files are modules, in the dialect its `.manifest` names.
 */
export async function loadBundle(path: string): Promise<LoadedFiles> {
  if ((await kindOf(path)) === 'dir') return readPolicyDir(path, { includeTests: false });
  if (!/\.(tar\.gz|tgz)$/.test(path)) throw new RegoError('REGO_ERR_FILE', `${path}: a bundle is a directory or a .tar.gz archive`);
  const files = readTar(await readFile(path));
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
    if (name.endsWith('.rego') && !name.endsWith('_test.rego')) {
      const regoVersion = manifestRegoVersion(manifest, name);
      modules.push({ file: join(path, name), text, ...(regoVersion ? { regoVersion } : {}) });
    }
    else if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
      const segs = name.split('/').slice(0, -1);
      data = mergeData(data, segs.reduceRight<Value>((acc, s) => ({ [s]: acc }), parseDataText(text, `${path}/${name}`)), `${path}/${name}`);
    }
  }
  return { modules, data };
}
