/**
 * Bundle files the way `opa build` / `opa sign` write them: the files of a bundle (bundle-relative
 * names) gathered from a directory, optionally signed (`.signatures.json`, OPA's JWT format), and
 * written as a .tar.gz. Shared by `regate policy build` and `regate policy sign`.
 *
 * @example
 *   const files = await collectBundleFiles('policies');
 *   await writeBundle('bundle.tar.gz', files, await signingOf(args));
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { importSigningKey, signBundleFiles, writeTarGz, SIGNATURES_FILE, type BundleSigningOptions } from '../../policy/index.js';
import { UsageError, type FlagSpec, type ParsedArgs } from './args.js';

export const SIGNING_FLAGS: readonly FlagSpec[] = [
  { name: 'signing-key', valued: true, help: 'PEM file of the private key (RS/PS/ES), or the secret (HS*), that signs the bundle' },
  { name: 'signing-alg', valued: true, help: 'JWS algorithm of the signature (default RS256)' },
  { name: 'claims-file', valued: true, help: 'JSON file with optional claims of the signature: keyid, scope, iss' },
];

/** The signing options the flags ask for, or undefined without --signing-key. */
export async function signingOf(a: ParsedArgs): Promise<BundleSigningOptions | undefined> {
  const keyArg = a.one('signing-key');
  if (keyArg === undefined) {
    if (a.one('signing-alg') !== undefined || a.one('claims-file') !== undefined) throw new UsageError('--signing-alg and --claims-file need --signing-key');
    return undefined;
  }
  const algorithm = a.one('signing-alg') ?? 'RS256';
  // as opa sign: HS* takes the secret itself, the others a PEM file
  const material = algorithm.startsWith('HS') ? keyArg : await readFile(keyArg, 'utf8');
  const claimsFile = a.one('claims-file');
  const claims = claimsFile === undefined ? {} : (JSON.parse(await readFile(claimsFile, 'utf8')) as { keyid?: string; scope?: string; iss?: string });
  return {
    key: await importSigningKey(material, algorithm),
    algorithm,
    ...(typeof claims.keyid === 'string' ? { keyid: claims.keyid } : {}),
    ...(typeof claims.scope === 'string' ? { scope: claims.scope } : {}),
    ...(typeof claims.iss === 'string' ? { iss: claims.iss } : {}),
  };
}

/**
 * The bundle files of a directory: Rego sources (tests left out), data.json / data.yaml at any
 * depth, and its `.manifest` when there is one; hidden directories are skipped, and so is
 * whatever below `root` has a base name `skip` accepts (`build --ignore`).
 */
export async function collectBundleFiles(root: string, skip: (name: string) => boolean = () => false): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      const p = join(d, e.name);
      if (skip(e.name)) continue;
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(p);
        continue;
      }
      const keep = (e.name.endsWith('.rego') && !e.name.endsWith('_test.rego')) || e.name === 'data.json' || e.name === 'data.yaml' || e.name === 'data.yml' || (e.name === '.manifest' && d === root);
      if (keep) files.set(relative(root, p).split(sep).join('/'), await readFile(p));
    }
  };
  await walk(root);
  return files;
}

/** Adds `.signatures.json` (when `signing`) and writes the .tar.gz. */
export async function writeBundle(out: string, files: Map<string, Uint8Array>, signing: BundleSigningOptions | undefined): Promise<void> {
  files.delete(SIGNATURES_FILE);
  if (signing) files.set(SIGNATURES_FILE, await signBundleFiles(files, signing));
  await writeFile(out, await writeTarGz([...files].map(([name, data]) => ({ name: '/' + name, data }))));
}
