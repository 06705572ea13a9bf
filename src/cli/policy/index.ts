/**
 * `regate policy <command>` — the Rego toolchain on the command line, a drop-in for the `opa`
 * commands used daily: test, fmt, check, eval, build. Every command takes `--help`,
 * `--version` and `--v0-compatible`.
 *
 * Errors are printed once, located, as opa prints them (`1 error occurred: file:line:col:
 * rego_type_error: message`, opa-errors.ts), never with a stack trace. Exit codes: 2 for a usage error (unknown flag, missing
 * argument); otherwise as the command documents (`opa`'s: `test` 2 on failing tests, 1 when
 * the policies do not load; the others 1 on an error).
 */
import { parseArgs, UsageError } from './args.js';
import { buildCommand } from './build-command.js';
import { capabilitiesCommand } from './capabilities-command.js';
import { signCommand } from './sign-command.js';
import { checkCommand } from './check-command.js';
import { helpOf, version, type Subcommand } from './common.js';
import { formatErrorsText, toOutputErrors } from './opa-errors.js';
import { evalCommand } from './eval-command.js';
import { fmtCommand } from './fmt-command.js';
import { testCommand } from './test-command.js';

const COMMANDS: readonly Subcommand[] = [testCommand, fmtCommand, checkCommand, evalCommand, buildCommand, signCommand, capabilitiesCommand];

function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.synopsis.length));
  return (
    'usage: regate policy <command> [flags]\n\ncommands:\n' +
    COMMANDS.map((c) => `  ${c.synopsis.padEnd(w)}  ${c.description.split('\n')[0]}`).join('\n') +
    '\n\nEach command takes --help, --version and --v0-compatible.\n'
  );
}

/** `regate policy [<command>] --help` (the top-level dispatcher asks before running anything). */
export function help(argv: string[]): string {
  const cmd = COMMANDS.find((c) => c.name === argv[0]);
  return cmd === undefined ? usage() : helpOf(cmd);
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(version());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`regate policy: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, cmd.flags);
    if (args.bool('help')) {
      process.stdout.write(helpOf(cmd));
      return 0;
    }
    if (args.bool('version')) {
      process.stdout.write(version());
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`regate policy ${cmd.name}: ${e.message}\n\n${helpOf(cmd)}`);
      return 2;
    }
    // As opa: `N error(s) occurred: …` on stderr, except that `opa build` prints `error: ` and
    // the errors on stdout (cmd/build.go: fmt.Println("error:", err)).
    const text = formatErrorsText(toOutputErrors(e));
    if (cmd.name === 'build') process.stdout.write(`error: ${text}\n`);
    else process.stderr.write(`${text}\n`);
    return 1;
  }
}
