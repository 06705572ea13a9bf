/**
 * The errors of a failed `anyOf` / `oneOf` as gojsonschema (OPA's internal/gojsonschema,
 * validateSchema) reports them: the combinator's own error, then the errors of the one branch
 * that came closest — not, as ajv with allErrors, the errors of every branch before it.
 *
 * gojsonschema ranks branches by a score (checks passed, minus two per error) and keeps the
 * first of equal ones. ajv does not count passed checks, so the score is approximated: a
 * branch whose `type` does not fit the value ranks last (gojsonschema stops there, with
 * nothing passed), the others by fewer errors; ties go to the earlier branch.
 */
import type { ErrorObject } from 'ajv';

const COMBINATORS = new Set(['anyOf', 'oneOf']);

function within(e: ErrorObject, c: ErrorObject): boolean {
  const inside = e.instancePath === c.instancePath || e.instancePath.startsWith(c.instancePath + '/');
  return inside && e.schemaPath.startsWith(c.schemaPath + '/');
}

/** The branch index of an error under combinator `c` (`#/…/anyOf/2/type` → 2). */
function branchOf(e: ErrorObject, c: ErrorObject): number {
  return Number(e.schemaPath.slice(c.schemaPath.length + 1).split('/')[0]);
}

function rank(errs: readonly ErrorObject[], c: ErrorObject, branch: number): number {
  const typeMiss = errs.some((e) => e.keyword === 'type' && e.instancePath === c.instancePath && e.schemaPath === `${c.schemaPath}/${branch}/type`);
  return typeMiss ? -Infinity : -errs.length;
}

/**
 * Reorders and filters ajv's errors (in the order ajv reported them, branch errors before their
 * combinator's error; nested combinators come first, so each is settled before its parent).
 *
 * @example keepClosestBranches(validate.errors ?? [])
 */
export function keepClosestBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  let out: ErrorObject[] = [];
  for (const e of errors) {
    if (!COMBINATORS.has(e.keyword)) {
      out.push(e);
      continue;
    }
    const mine = out.filter((x) => within(x, e));
    out = out.filter((x) => !within(x, e));
    out.push(e);
    // oneOf failing because several branches hold: gojsonschema merges no branch's errors
    const passing = (e.params as { passingSchemas?: unknown }).passingSchemas;
    if (e.keyword === 'oneOf' && Array.isArray(passing)) continue;
    const byBranch = new Map<number, ErrorObject[]>();
    for (const x of mine) {
      const b = branchOf(x, e);
      const list = byBranch.get(b) ?? [];
      list.push(x);
      byBranch.set(b, list);
    }
    let best: ErrorObject[] | undefined;
    let bestRank = -Infinity;
    for (const b of [...byBranch.keys()].sort((x, y) => x - y)) {
      const list = byBranch.get(b) as ErrorObject[];
      const r = rank(list, e, b);
      if (best === undefined || r > bestRank) {
        best = list;
        bestRank = r;
      }
    }
    out.push(...(best ?? []));
  }
  return out;
}
