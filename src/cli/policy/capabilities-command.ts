/**
 * `regate policy capabilities [--current] [--file F]` — `opa capabilities`: prints a
 * capabilities document. `--current` (the default) is regate's own builtins
 * (builtins/capabilities.ts capabilitiesDocument: names and arities, types `any`), which
 * `--capabilities` reads back as the same set; `--file` prints a file after checking it is one.
 * OPA's `--version vX.Y.Z` (a release's embedded file) is not there: regate ships no OPA
 * release's list, and `--version` prints regate's version as on every command.
 * Exit code: 0; 1 on an unreadable or malformed file.
 */
import { readFileSync } from 'node:fs';
import { defaultRegistry } from '../../policy/builtins/index.js';
import { CapabilitiesError, capabilitiesDocument, registryWithCapabilities } from '../../policy/builtins/capabilities.js';
import { RegoError } from '../../policy/index.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { Subcommand } from './common.js';

export const capabilitiesCommand: Subcommand = {
  name: 'capabilities',
  synopsis: 'capabilities [--current] [--file F]',
  description: "Prints a capabilities document, like `opa capabilities`: regate's builtins (--current, the default) or a file's.\nExit code: 0; 1 on an error.",
  flags: [
    { name: 'current', help: "regate's own builtins (the default)" },
    { name: 'file', valued: true, help: 'print this capabilities file (checked)' },
  ],
  async run(a: ParsedArgs): Promise<number> {
    if (a.positional.length > 0) throw new UsageError('capabilities takes no path');
    const file = a.one('file');
    if (file !== undefined && a.bool('current')) throw new UsageError('--current and --file exclude each other');
    if (file === undefined) {
      process.stdout.write(capabilitiesDocument(defaultRegistry));
      return 0;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
      registryWithCapabilities(text, defaultRegistry);
    } catch (e) {
      throw new RegoError('REGO_ERR_FILE', `${file}: ${e instanceof CapabilitiesError ? e.message : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
};
