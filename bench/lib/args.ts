/**
 * The value after `--name` on a bench script's command line, or undefined when absent.
 *
 * @example
 * const duration = Number(argValue('--duration') ?? '10'); // `… --duration 20` → 20
 */
export function argValue(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
