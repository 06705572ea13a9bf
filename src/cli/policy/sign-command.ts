/**
 * `regate policy sign [flags] <bundle>` — `opa sign`: writes `.signatures.json` for a bundle
 * directory (into it, or -o), or re-writes a .tar.gz bundle with its signature inside (or to -o).
 * The JWT lists every file with its digest (OPA's canonical form for data and manifest files).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTarFiles, signBundleFiles, SIGNATURES_FILE } from '../../policy/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import { collectBundleFiles, SIGNING_FLAGS, signingOf, writeBundle } from './bundle-output.js';
import type { Subcommand } from './common.js';

export const signCommand: Subcommand = {
  name: 'sign',
  synopsis: 'sign --signing-key key [flags] <bundle dir or .tar.gz>',
  description: 'Signs a bundle, like `opa sign`: a .signatures.json with a JWT over the hashes of its files.\nExit code: 0; 1 on an error.',
  flags: [...SIGNING_FLAGS, { name: 'output', short: 'o', valued: true, help: 'where to write (default: .signatures.json in the directory, or the archive itself)' }],
  async run(a: ParsedArgs): Promise<number> {
    const [path, ...rest] = a.positional;
    if (path === undefined || rest.length > 0) throw new UsageError('sign needs exactly one bundle (a directory or a .tar.gz)');
    const signing = await signingOf(a);
    if (signing === undefined) throw new UsageError('sign needs --signing-key');
    const archive = /\.(tar\.gz|tgz)$/.test(path);
    const out = a.one('output') ?? (archive ? path : join(path, SIGNATURES_FILE));
    if (archive) await writeBundle(out, new Map(await readTarFiles(await readFile(path))), signing);
    else await writeFile(out, await signBundleFiles(await collectBundleFiles(path), signing));
    process.stdout.write(`wrote ${out}\n`);
    return 0;
  },
};
