/** Real files in a tap test's own directory, for the `regate policy` command tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function policyDir(t: Tap.Test, files: Record<string, string>): string {
  const dir = t.testdir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export const AUTHZ = `package authz

default allow := false

allow if input.user in data.authz.admins

greeting := sprintf("hello %s", [input.user])
`;
