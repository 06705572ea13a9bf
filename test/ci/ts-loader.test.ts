// The test processes' TypeScript loader (test/helpers/ts-loader.mjs, package.json's tap node-arg):
// this process runs under it and not tsx, `./x.js` finds `./x.ts`, and a transform is cached on
// disk under a key that changes with the source.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
// @ts-expect-error: a plain .mjs helper without declarations
import { cacheFile, root, transformSync } from '../helpers/ts-transform.mjs';

const pkg = (await import(pathToFileURL(join(root, 'package.json')).href, { with: { type: 'json' } })).default as { tap: { 'node-arg': string[] }; scripts: Record<string, string> };

t.test('tap starts test processes with ts-loader, not tsx; npm test warms its cache first', async (t) => {
  t.same(pkg.tap['node-arg'], ['--import=./test/helpers/ts-loader.mjs']);
  t.ok(process.execArgv.some((a) => a.endsWith('ts-loader.mjs')), 'this process has the loader');
  t.notOk(process.execArgv.some((a) => /(^|=)tsx$/.test(a)), 'and not tsx');
  t.match(process.env['REGATE_TS_LOADER'], /\/test\/helpers\/ts-loader\.mjs$/, 'workers started from the sources find it');
  t.match(pkg.scripts['pretest'], /ts-loader-warm\.mjs/);
});

t.test('a relative .js import loads the .ts beside it, type syntax removed', async (t) => {
  const dir = mkdtempSync(join(root, 'test', '.ts-loader-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'dep.ts'), 'export enum Color { Red = 1 }\nexport const twice = (n: number): number => n * 2;\n');
  writeFileSync(join(dir, 'main.ts'), "import { Color, twice } from './dep.js';\nimport type { Buffer } from 'node:buffer';\nexport const out: number = twice(Color.Red) + 40;\n");
  const m = (await import(pathToFileURL(join(dir, 'main.ts')).href)) as { out: number };
  t.equal(m.out, 42);
});

t.test('the transform is cached under a key of the path and the source', async (t) => {
  const path = join(root, 'test', 'not-a-file.ts');
  const a = 'export const a: number = 1;\n';
  const b = 'export const a: number = 2;\n';
  t.not(cacheFile(path, a), cacheFile(path, b), 'another source, another entry');
  t.not(cacheFile(path, a), cacheFile(`${path}x`, a), 'another path, another entry (the source map names it)');
  const file = cacheFile(path, a);
  rmSync(file, { force: true });
  const js = transformSync(path, a) as string;
  t.match(js, /const a = 1;/, 'types removed');
  t.notMatch(js, /: number/);
  t.ok(existsSync(file), 'written to the cache');
  writeFileSync(file, 'export const a = 3;\n');
  t.equal(transformSync(path, a), 'export const a = 3;\n', 'read back from the cache, not transformed again');
  rmSync(file, { force: true });
});
