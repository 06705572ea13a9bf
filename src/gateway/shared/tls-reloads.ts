/**
 * Runs a list of TLS re-reads (SIGHUP): every one is tried, and the first failure is thrown
 * after the others ran, so one bad file does not keep the other clients on their old files.
 *
 * @example const n = runTlsReloads(reloaders); // throws the first error, after trying all
 */
export function runTlsReloads(reloads: readonly (() => void)[]): number {
  let first: unknown;
  let failed = false;
  for (const r of reloads) {
    try {
      r();
    } catch (err) {
      if (!failed) first = err;
      failed = true;
    }
  }
  if (failed) throw first;
  return reloads.length;
}
