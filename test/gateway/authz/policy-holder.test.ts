/**
 * The policy holder's watcher on the file operations deployments actually do: replace a file by
 * rename (editors, atomic deploys) again and again, add a new package directory, delete a file.
 * The loader here reads the tree for real and names the revision by its content, so a missed
 * change shows as a stale revision.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createPolicyHolder } from '../../../src/gateway/authz/policy-holder.js';
import type { LoadedPolicy } from '../../../src/gateway/authz/index.js';
import { makePolicyDir, until } from './fixtures.js';

function readTree(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.rego$/.test(name)) parts.push(`${p.slice(dir.length)}=${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return parts.join('\n');
}

t.test('the watcher sees repeated rename-replacements, new directories and deletions', async (t) => {
  const pd = makePolicyDir({ 'a/a.rego': 'v1' });
  t.teardown(() => pd.remove());
  let loads = 0;
  const holder = createPolicyHolder({
    load: async (): Promise<LoadedPolicy> => {
      loads++;
      const text = readTree(pd.dir);
      if (text.includes('broken')) throw new Error('a.rego:1:1: broken');
      return { revision: createHash('sha256').update(text).digest('hex').slice(0, 12), evaluate: () => text };
    },
  });
  t.teardown(() => holder.close());
  t.equal(await holder.reload(), true);
  holder.watch(pd.dir, 20);
  const content = () => String(holder.current()!.evaluate('x', null));
  const sees = (s: string) => until(() => content().includes(s), 400, 10);

  for (const v of ['v2', 'v3', 'v4']) {
    pd.write('a/a.rego', v); // temp file + rename: a new inode each time
    t.ok(await sees(`/a/a.rego=${v}`), `rename-replacement ${v} seen`);
  }
  mkdirSync(join(pd.dir, 'b', 'deep'), { recursive: true });
  pd.write('b/deep/b.rego', 'fresh');
  t.ok(await sees('/b/deep/b.rego=fresh'), 'a file in a new nested directory is seen');
  pd.write('b/deep/b.rego', 'fresher');
  t.ok(await sees('/b/deep/b.rego=fresher'), 'and its later changes');
  const rev = holder.status().revision;
  pd.write('a/a.rego', 'broken');
  t.ok(await until(() => holder.status().lastError !== null, 400, 10), 'a failed reload is recorded');
  t.equal(holder.status().revision, rev, 'the previous revision stays');
  rmSync(join(pd.dir, 'a', 'a.rego'));
  t.ok(await until(() => holder.status().lastError === null && !content().includes('/a/a.rego'), 400, 10), 'a deletion is seen');
  t.ok(loads >= 8);
});

t.test('reloads never overlap; a change during a reload schedules exactly one more', async (t) => {
  let running = 0;
  let maxRunning = 0;
  let n = 0;
  let release: (() => void) | null = null;
  const holder = createPolicyHolder({
    load: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const i = ++n;
      if (i === 1) await new Promise<void>((r) => (release = r));
      running--;
      return { revision: `r${i}`, evaluate: () => i };
    },
  });
  const first = holder.reload();
  await until(() => release !== null);
  const second = holder.reload();
  const third = holder.reload();
  release!();
  t.same(await Promise.all([first, second, third]), [true, true, true]);
  t.equal(maxRunning, 1);
  t.equal(n, 2, 'two requests during one reload coalesce into one more');
  t.equal(holder.status().revision, 'r2');
});
