/**
 * The import rules of src/ (README "Map of the code"), and the scanner that checks them.
 *
 * The graph is read with the TypeScript compiler's parser, not with regular expressions: every
 * `import … from`, `import type`, `export … from`, side-effect `import '…'` and `import('…')`
 * counts, comments and strings do not. A dynamic import whose specifier is not a string literal
 * is itself a violation inside src/gateway: `tsc` cannot check a link it cannot see (issue #15).
 *
 * One rule list serves the import test (import-rules.test.ts) and the code map's test
 * (code-map.test.ts), which checks that the README states exactly these rules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import as written: `spec` null for `import(expression)`. */
export interface ImportEdge {
  /** importing file, relative to the scanned root, with `/` separators (`gateway/ratelimit/index.ts`) */
  from: string;
  /** imported file relative to the root (`gateway/events/types.ts`), or null when not a file under it */
  to: string | null;
  spec: string | null;
  line: number;
}

export interface ImportRule {
  /** short name used in failure messages and in the README */
  readonly name: string;
  /** the rule as the README states it, word for word */
  readonly text: string;
  /** whether the rule applies to a file (path relative to src/) */
  appliesTo(from: string): boolean;
  /** whether an import from `from` to `to` (both relative to src/) is allowed; `to` null = computed */
  allows(from: string, to: string | null): boolean;
}

export interface Violation {
  rule: string;
  edge: ImportEdge;
}

/** Folders of src/gateway that hold one pipeline stage each (or the proxy and router at its ends). */
export const STAGE_FOLDERS = ['authn', 'authz', 'payload', 'mapping', 'ratelimit', 'events', 'proxy', 'routing'] as const;

const under = (p: string, folder: string) => p.startsWith(folder + '/');
const folderOf = (p: string) => p.split('/').slice(0, 2).join('/');
const stageOf = (p: string): string | null => {
  const [top, sub] = p.split('/');
  return top === 'gateway' && sub !== undefined && (STAGE_FOLDERS as readonly string[]).includes(sub) ? `gateway/${sub}` : null;
};
/** the pipeline contract: what every stage may see of pipeline/ (the composition is not part of it) */
const PIPELINE_CONTRACT = ['gateway/pipeline/context.ts', 'gateway/pipeline/exchange.ts', 'gateway/pipeline/compose.ts'];
const COMMON = (to: string) => to === 'gateway/errors.ts' || to === 'gateway/config/types.ts' || under(to, 'gateway/shared') || PIPELINE_CONTRACT.includes(to);

export const IMPORT_RULES: readonly ImportRule[] = [
  {
    name: 'stage',
    text: 'A stage folder (authn, authz, payload, mapping, ratelimit, events, proxy, routing) imports only its own files, the pipeline contract (pipeline/context.ts, exchange.ts, compose.ts), errors.ts, config/types.ts, shared/ and policy/index.ts.',
    appliesTo: (from) => stageOf(from) !== null,
    allows: (from, to) => to !== null && (folderOf(to) === stageOf(from) || COMMON(to) || to === 'policy/index.ts' || !to.startsWith('gateway/')) && !under(to, 'cli') && !under(to, 'consumer'),
  },
  {
    name: 'shared',
    text: 'shared/ imports only shared/, errors.ts, config/types.ts and pipeline/context.ts.',
    appliesTo: (from) => under(from, 'gateway/shared'),
    allows: (_from, to) => to !== null && (under(to, 'gateway/shared') || to === 'gateway/errors.ts' || to === 'gateway/config/types.ts' || to === 'gateway/pipeline/context.ts'),
  },
  {
    name: 'config',
    text: 'config/ imports only config/, errors.ts and shared/.',
    appliesTo: (from) => under(from, 'gateway/config'),
    allows: (_from, to) => to !== null && (under(to, 'gateway/config') || to === 'gateway/errors.ts' || under(to, 'gateway/shared')),
  },
  {
    name: 'pipeline-contract',
    text: 'The pipeline contract imports only itself, errors.ts, config/types.ts and shared/.',
    appliesTo: (from) => PIPELINE_CONTRACT.includes(from),
    allows: (_from, to) => to !== null && COMMON(to),
  },
  {
    name: 'composition',
    text: 'pipeline/stages.ts composes the stages, through each stage folder\'s index.ts; only server/ imports it.',
    appliesTo: () => true,
    allows: (from, to) => {
      if (to === 'gateway/pipeline/stages.ts') return under(from, 'gateway/server');
      if (from === 'gateway/pipeline/stages.ts' && to !== null && stageOf(to) !== null) return to.endsWith('/index.ts');
      return true;
    },
  },
  {
    name: 'static-links',
    text: 'Every import in gateway/ names its module literally (no `import(expression)`), so tsc checks the link.',
    appliesTo: (from) => under(from, 'gateway'),
    allows: (_from, to) => to !== null,
  },
  {
    name: 'policy-boundary',
    text: 'gateway/ uses the policy toolchain only through policy/index.ts; policy/ never imports gateway/, cli/ or consumer/.',
    appliesTo: (from) => under(from, 'gateway') || under(from, 'policy'),
    allows: (from, to) => {
      if (to === null) return true; // static-links reports it
      if (under(from, 'gateway')) return !under(to, 'policy') || to === 'policy/index.ts';
      return !under(to, 'gateway') && !under(to, 'cli') && !under(to, 'consumer');
    },
  },
  {
    name: 'consumer',
    text: 'consumer/ imports from the gateway only shared/.',
    appliesTo: (from) => under(from, 'consumer'),
    allows: (_from, to) => to !== null && (!under(to, 'gateway') || under(to, 'gateway/shared')),
  },
  {
    name: 'cli',
    text: 'cli/ imports from the gateway only config/, server/, shared/, errors.ts and a stage folder\'s index.ts.',
    appliesTo: (from) => under(from, 'cli'),
    allows: (_from, to) =>
      to === null ||
      !under(to, 'gateway') ||
      under(to, 'gateway/config') ||
      under(to, 'gateway/server') ||
      under(to, 'gateway/shared') ||
      to === 'gateway/errors.ts' ||
      (stageOf(to) !== null && to.endsWith('/index.ts')),
  },
];

/** Every .ts file under `root`, relative to it, sorted. */
export function listSources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/** The imports of every file under `root` (relative specifiers resolved; packages have `to` null and a `spec`). */
export function readImportGraph(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listSources(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const add = (spec: string | null, node: ts.Node) => {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      edges.push({ from: file, to: spec === null ? null : resolveSpec(root, file, spec), spec, line });
    };
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, node);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        add(arg !== undefined && ts.isStringLiteralLike(arg) ? arg.text : null, node);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        add(node.argument.literal.text, node); // `import('./x.js').T` in a type position
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return edges;
}

/** `../events/types.js` from `gateway/ratelimit/index.ts` → `gateway/events/types.ts`; a package → its name. */
function resolveSpec(root: string, from: string, spec: string): string {
  if (!spec.startsWith('.')) return `(package) ${spec}`;
  const abs = resolve(root, dirname(from), spec);
  const candidates = [abs.replace(/\.js$/, '.ts'), abs + '.ts', join(abs, 'index.ts'), abs];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? candidates[0]!;
  return relative(root, hit).split(sep).join('/');
}

/** Every edge that breaks a rule; a package import (`(package) x`) breaks none. */
export function checkImportRules(root: string, rules: readonly ImportRule[] = IMPORT_RULES): Violation[] {
  const out: Violation[] = [];
  for (const edge of readImportGraph(root)) {
    if (edge.to !== null && edge.to.startsWith('(package) ')) continue;
    for (const rule of rules) if (rule.appliesTo(edge.from) && !rule.allows(edge.from, edge.to)) out.push({ rule: rule.name, edge });
  }
  return out;
}

/** `gateway/ratelimit/index.ts:26 → ../events/redis-connection.js (gateway/events/redis-connection.ts) [stage]` */
export function formatViolation(v: Violation): string {
  const e = v.edge;
  return `${e.from}:${e.line} → ${e.spec ?? 'import(<expression>)'}${e.to !== null ? ` (${e.to})` : ''} [${v.rule}]`;
}
