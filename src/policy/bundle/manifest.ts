/**
 * The Rego dialect a bundle's `.manifest` gives its modules (OPA bundle/bundle.go Manifest):
 * `rego_version` (0 or 1) for the whole bundle, and `file_rego_versions` mapping a path glob
 * (relative to the bundle root, `*` within a segment, `**` across) to the version of the files
 * it matches, which wins over `rego_version`. A manifest without either says nothing: the
 * configured dialect (`policies.rego_version`, `--v0-compatible`) applies.
 *
 * @example
 *   manifestRegoVersion({ rego_version: 0, file_rego_versions: { 'v1/*.rego': 1 } }, 'v1/a.rego'); // 'v1'
 */
import { RegoError } from '../errors.js';
import type { RegoVersion } from '../syntax/index.js';

function versionOf(v: unknown, where: string): RegoVersion {
  if (v === 0 || v === 1) return v === 0 ? 'v0' : 'v1';
  throw new RegoError('REGO_ERR_BUNDLE', `.manifest: ${where} must be 0 or 1`);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const trimSlash = (p: string): string => p.replace(/^\/+/, '');

/** The version `manifest` gives the file at `relPath` (bundle-relative), or undefined. */
export function manifestRegoVersion(manifest: unknown, relPath: string): RegoVersion | undefined {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) return undefined;
  const m = manifest as Record<string, unknown>;
  const perFile = m['file_rego_versions'];
  if (perFile !== undefined) {
    if (perFile === null || typeof perFile !== 'object' || Array.isArray(perFile)) throw new RegoError('REGO_ERR_BUNDLE', '.manifest: file_rego_versions must be an object');
    for (const [glob, v] of Object.entries(perFile as Record<string, unknown>)) {
      if (globToRegExp(trimSlash(glob)).test(trimSlash(relPath))) return versionOf(v, `file_rego_versions["${glob}"]`);
    }
  }
  return m['rego_version'] === undefined ? undefined : versionOf(m['rego_version'], 'rego_version');
}

/** What regate reads of a `.manifest` (OPA bundle/bundle.go Manifest). */
export interface BundleManifest {
  /** `revision`; '' when absent, as in OPA */
  readonly revision: string;
  /** `roots`: path prefixes (slash-separated, no leading slash) the bundle owns; [''] = everything */
  readonly roots: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** the manifest as written (for rego_version / file_rego_versions lookups) */
  readonly raw: unknown;
}

/**
 * Parses `.manifest` bytes (absent: revision '', roots ['']); `where` names the bundle in errors.
 *
 * @example parseManifest(Buffer.from('{"revision":"7","roots":["gateway"]}'), 'main').roots; // ['gateway']
 */
export function parseManifest(bytes: Uint8Array | undefined, where: string): BundleManifest {
  if (bytes === undefined) return { revision: '', roots: [''], raw: undefined };
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new RegoError('REGO_ERR_BUNDLE', `${where}/.manifest: ${(e as Error).message}`, { cause: e });
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new RegoError('REGO_ERR_BUNDLE', `${where}/.manifest: must be a JSON object`);
  const o = m as Record<string, unknown>;
  const revision = o['revision'] ?? '';
  if (typeof revision !== 'string') throw new RegoError('REGO_ERR_BUNDLE', `${where}/.manifest: revision must be a string`);
  const roots = o['roots'] ?? [''];
  if (!Array.isArray(roots) || roots.some((r) => typeof r !== 'string')) throw new RegoError('REGO_ERR_BUNDLE', `${where}/.manifest: roots must be an array of strings`);
  const metadata = o['metadata'];
  if (metadata !== undefined && (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))) throw new RegoError('REGO_ERR_BUNDLE', `${where}/.manifest: metadata must be an object`);
  // validate the dialect keys now, not when the first module is read
  manifestRegoVersion(m, '');
  return { revision, roots: (roots as string[]).map((r) => r.replace(/^\/+|\/+$/g, '')), ...(metadata ? { metadata: metadata as Record<string, unknown> } : {}), raw: m };
}
