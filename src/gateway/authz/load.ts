/**
 * Loads the policy set a gateway config names (`policies: { dir, engine }`, the routes'
 * entrypoints) through the toolchain's public API, as a LoadedPolicy for the authorize stage.
 *
 * The policy returns Rego values; the decision parser wants plain JSON (sets become arrays), so
 * the result crosses `toJs` once per request — cheap for a decision-sized object.
 */
import { loadPolicyBundle, toJs, type Value } from '../../policy/index.js';
import type { LoadedPolicy } from './index.js';

export interface PolicyLoadConfig {
  readonly dir: string;
  readonly engine: 'js' | 'wasm';
  readonly entrypoints: readonly string[];
}

export function createPolicyLoader(cfg: PolicyLoadConfig): () => Promise<LoadedPolicy> {
  return async () => {
    const bundle = await loadPolicyBundle({ dir: cfg.dir, entrypoints: [...cfg.entrypoints], engine: cfg.engine });
    return {
      revision: bundle.revision,
      evaluate(entrypoint: string, input: unknown) {
        const v = bundle.evaluate(entrypoint, input as Value);
        return v === undefined ? undefined : toJs(v);
      },
    };
  };
}
