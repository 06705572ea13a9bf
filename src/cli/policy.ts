/** `regate policy` — placeholder until its owner lands it; exits 2 so nothing mistakes it for success. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('regate policy: not available in this build\n');
  return 2;
}
