/**
 * Manifest `roots` (OPA docs "Bundles" › Manifest): a bundle owns the data and packages under
 * its roots and nothing else, so that several bundles can feed one OPA without stepping on each
 * other. regate enforces both halves OPA enforces: every package and every data path of a bundle
 * lies under one of its roots, and no two bundles' roots overlap (one a prefix of the other,
 * segment-wise; the root '' overlaps everything).
 *
 * @example
 *   rootsOverlap('gateway', 'gateway/admin'); // true
 *   rootsOverlap('gateway', 'gatewayx');      // false
 */
import { RegoError } from '../errors.js';
import { RNumber } from '../value/index.js';

const segs = (p: string): string[] => (p === '' ? [] : p.split('/'));

/** Is `path` (segments) at or under `root`? */
function under(path: readonly string[], root: string): boolean {
  const r = segs(root);
  return r.length <= path.length && r.every((s, i) => path[i] === s);
}

export function rootsOverlap(a: string, b: string): boolean {
  const x = segs(a);
  const y = segs(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Throws REGO_ERR_BUNDLE_ROOTS unless `pkgPath` (e.g. ['gateway', 'authz']) is under one of `roots`. */
export function assertPackageInRoots(pkgPath: readonly string[], roots: readonly string[], where: string): void {
  if (!roots.some((r) => under(pkgPath, r))) {
    throw new RegoError('REGO_ERR_BUNDLE_ROOTS', `${where}: package ${pkgPath.join('.')} is outside the manifest roots ${JSON.stringify(roots)}`);
  }
}

/**
 * Throws REGO_ERR_BUNDLE_ROOTS unless every leaf of `data` (a plain JSON document mounted at
 * `base`) is under one of `roots`. Objects on the way to a root are descended into, not owned.
 */
export function assertDataInRoots(data: unknown, base: readonly string[], roots: readonly string[], where: string): void {
  if (roots.some((r) => under(base, r))) return;
  const onTheWay = roots.some((r) => rootsOverlap(base.join('/'), r));
  if (onTheWay && data !== null && typeof data === 'object' && !Array.isArray(data) && !(data instanceof RNumber)) {
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) assertDataInRoots(v, [...base, k], roots, where);
    return;
  }
  throw new RegoError('REGO_ERR_BUNDLE_ROOTS', `${where}: data at /${base.join('/')} is outside the manifest roots ${JSON.stringify(roots)}`);
}

/** Throws REGO_ERR_BUNDLE_ROOTS, naming both bundles, when two bundles' roots overlap. */
export function assertDisjointRoots(bundles: readonly { name: string; roots: readonly string[] }[]): void {
  for (let i = 0; i < bundles.length; i++) {
    for (let j = i + 1; j < bundles.length; j++) {
      const a = bundles[i]!;
      const b = bundles[j]!;
      for (const ra of a.roots) {
        for (const rb of b.roots) {
          if (rootsOverlap(ra, rb)) {
            throw new RegoError('REGO_ERR_BUNDLE_ROOTS', `bundles ${a.name} and ${b.name} overlap: root ${JSON.stringify(ra)} of ${a.name} and root ${JSON.stringify(rb)} of ${b.name} (each path may belong to one bundle)`);
          }
        }
      }
    }
  }
}
