/**
 * Which `# METADATA` blocks apply to a rule, as OPA's annotation set orders them for the type
 * checker (ast/check.go getRuleAnnotation): the `subpackages` blocks of the rule's package and
 * every package above it (outermost first), the `package` block of its package (whichever
 * module of that package holds it), the `document` block of its document (whichever rule of
 * that path holds it, so it types the document's other rules too), then the rule's own. A later
 * entry overrides an earlier one at the same path, so the most specific wins.
 *
 * OPA's SetAnnotationSet stage also refuses a second `package` block for one package, a second
 * `subpackages` block for one package and a second `document` block for one document:
 * `document annotation redeclared: a.rego:3`, located at the second block (modules are taken in
 * file-name order, as OPA sorts them).
 *
 * @example
 *   const chains = annotationChains(mods);
 *   chains.get(rule); // [subpackages…, package, document, rule] blocks
 */
import type { RegoError } from '../errors.js';
import type { Annotation, Module, Rule } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';

/** A rule's document path: its package and the string keys its head ref starts with (OPA: Ref().GroundPrefix()). */
function documentPath(m: Module, r: Rule): string {
  const keys: string[] = [];
  for (const t of r.ref) {
    if (t.kind !== 'string') break;
    keys.push(t.value);
  }
  return JSON.stringify([...m.package, ...keys]);
}

const located = (a: Annotation): string => `${a.span.file}:${a.span.line}`;

interface Sets {
  subpackages: Map<string, Annotation>;
  packages: Map<string, Annotation>;
  documents: Map<string, Annotation>;
}

function buildSets(mods: readonly Module[], errors?: RegoError[]): Sets {
  const sets: Sets = { subpackages: new Map(), packages: new Map(), documents: new Map() };
  const put = (into: Map<string, Annotation>, key: string, a: Annotation, scope: string): void => {
    const first = into.get(key);
    if (first === undefined) into.set(key, a);
    else errors?.push(createCompileError('REGO_ERR_ANNOTATION_REDECLARED', `${scope} annotation redeclared: ${located(first)}`, a.span));
  };
  const sorted = [...mods].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const m of sorted) {
    const pkg = JSON.stringify(m.package);
    for (const a of m.annotations) {
      if (a.scope === 'subpackages') put(sets.subpackages, pkg, a, 'subpackages');
      else put(sets.packages, pkg, a, 'package');
    }
    for (const r of m.rules) for (const a of r.annotations) if (a.scope === 'document') put(sets.documents, documentPath(m, r), a, 'document');
  }
  return sets;
}

/** OPA's SetAnnotationSet errors: a second package, subpackages or document block for one path. */
export function checkAnnotationSet(mods: readonly Module[], errors: RegoError[]): void {
  buildSets(mods, errors);
}

/** The blocks that apply to each rule of `mods`, least specific first (see above). */
export function annotationChains(mods: readonly Module[]): Map<Rule, Annotation[]> {
  const sets = buildSets(mods);
  const out = new Map<Rule, Annotation[]>();
  for (const m of mods) {
    const outer: Annotation[] = [];
    for (let n = 1; n <= m.package.length; n++) {
      const a = sets.subpackages.get(JSON.stringify(m.package.slice(0, n)));
      if (a !== undefined) outer.push(a);
    }
    const pkg = sets.packages.get(JSON.stringify(m.package));
    if (pkg !== undefined) outer.push(pkg);
    for (const r of m.rules) {
      const chain = [...outer];
      const doc = sets.documents.get(documentPath(m, r));
      if (doc !== undefined) chain.push(doc);
      chain.push(...r.annotations.filter((a) => a.scope === undefined || a.scope === 'rule'));
      out.set(r, chain);
    }
  }
  return out;
}
