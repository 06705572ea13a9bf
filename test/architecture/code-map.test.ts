/**
 * README "Map of the code" stays true (issue #15): every folder under src/ has its line, every
 * line names a folder that exists, the `builtins/*` line names exactly the namespace folders,
 * and the import rules it states are word for word the ones import-rules.test.ts enforces.
 * HACKING.md points to it.
 *
 * The checks are functions of (document, folder list) so that they are first shown to fail on
 * a map with a missing, a stale and a reworded line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { IMPORT_RULES, type ImportRule } from './import-rules.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILTINS = 'src/policy/builtins/';

/** Every folder under src/, as `src/a/b/`, sorted. */
function listFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (!statSync(p).isDirectory()) continue;
      out.push(relative(root, p).split(sep).join('/') + '/');
      walk(p);
    }
  };
  walk(join(root, 'src'));
  return out;
}

/** The text of a `## title` section, up to the next `## `. */
function sectionOf(doc: string, title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Problems of a map section against the folders that exist; [] when it is true. */
function checkMap(section: string, folders: readonly string[]): string[] {
  const problems: string[] = [];
  const listed = new Map<string, string>();
  for (const m of section.matchAll(/^- `(src\/[^`]*\/)` — (.*)$/gm)) listed.set(m[1]!, m[2]!);
  const namespaces = folders.filter((f) => f.startsWith(BUILTINS) && f.split('/').length === 5 && f !== `${BUILTINS}shared/`);
  const wild = listed.get(`${BUILTINS}*/`);
  const named = new Set([...(wild ?? '').matchAll(/`([a-z0-9_]+)`/g)].map((m) => `${BUILTINS}${m[1]}/`));
  for (const f of folders) {
    if (listed.has(f)) continue;
    if (namespaces.includes(f) && named.has(f)) continue;
    problems.push(`${f} exists but the map has no line for it`);
  }
  for (const f of listed.keys()) if (f !== `${BUILTINS}*/` && !folders.includes(f)) problems.push(`${f} is in the map but does not exist`);
  for (const f of named) if (!namespaces.includes(f)) problems.push(`${f} is named under ${BUILTINS}*/ but is not a namespace folder`);
  return problems;
}

/** Problems of the stated import rules against the enforced ones; [] when they are the same. */
function checkRules(section: string, rules: readonly ImportRule[]): string[] {
  const stated = new Map([...section.matchAll(/^- \*\*([a-z-]+)\*\*: (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const problems: string[] = [];
  for (const r of rules) {
    const text = stated.get(r.name);
    if (text === undefined) problems.push(`rule ${r.name} is enforced but not stated`);
    else if (text !== r.text) problems.push(`rule ${r.name} is stated as ${JSON.stringify(text)}, enforced as ${JSON.stringify(r.text)}`);
  }
  for (const name of stated.keys()) if (!rules.some((r) => r.name === name)) problems.push(`rule ${name} is stated but not enforced`);
  return problems;
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const map = sectionOf(readme, 'Map of the code');

t.test('README: every folder of src/ has one line, every line a folder', async (t) => {
  t.ok(map.length > 0, 'README has a "Map of the code" section');
  const folders = listFolders(ROOT);
  t.ok(folders.includes('src/gateway/shared/') && folders.includes(`${BUILTINS}time/`), 'the folder walk sees src/');
  t.same(checkMap(map, folders), []);
});

t.test('README: the import rules stated are the rules enforced', async (t) => {
  t.same(checkRules(map, IMPORT_RULES), []);
});

t.test('HACKING.md points to the map', async (t) => {
  const hacking = readFileSync(join(ROOT, 'HACKING.md'), 'utf8');
  t.match(hacking, /\(README\.md#map-of-the-code\)/);
});

t.test('the checks fail on a map that is wrong', async (t) => {
  const folders = ['src/a/', 'src/a/b/', `${BUILTINS}`, `${BUILTINS}time/`, `${BUILTINS}net/`, `${BUILTINS}shared/`];
  const good = [
    '- `src/a/` — a',
    '- `src/a/b/` — b',
    `- \`${BUILTINS}\` — registry`,
    `- \`${BUILTINS}*/\` — namespaces: \`net\`, \`time\`.`,
    `- \`${BUILTINS}shared/\` — helpers`,
  ];
  t.same(checkMap(good.join('\n'), folders), [], 'a true map passes');
  const missing = good.filter((l) => !l.includes('src/a/b/'));
  t.same(checkMap(missing.join('\n'), folders), ['src/a/b/ exists but the map has no line for it']);
  t.same(checkMap([...good, '- `src/gone/` — old'].join('\n'), folders), ['src/gone/ is in the map but does not exist']);
  const lostNamespace = good.map((l) => l.replace(', `time`', ''));
  t.same(checkMap(lostNamespace.join('\n'), folders), [`${BUILTINS}time/ exists but the map has no line for it`]);
  const extraNamespace = good.map((l) => l.replace('`time`', '`time`, `uuid`'));
  t.same(checkMap(extraNamespace.join('\n'), folders), [`${BUILTINS}uuid/ is named under ${BUILTINS}*/ but is not a namespace folder`]);

  const rules = IMPORT_RULES.slice(0, 2);
  const stated = rules.map((r) => `- **${r.name}**: ${r.text}`);
  t.same(checkRules(stated.join('\n'), rules), [], 'the same rules pass');
  t.equal(checkRules(stated.slice(1).join('\n'), rules).length, 1, 'an unstated rule fails');
  t.equal(checkRules([...stated, '- **made-up**: anything goes.'].join('\n'), rules).length, 1, 'a rule nobody enforces fails');
  t.equal(checkRules(stated.map((l) => l.replace('only', 'mostly')).join('\n'), rules).length, 2, 'a reworded rule fails');
});
