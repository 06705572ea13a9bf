/**
 * Loads the policy set a gateway config names (`policies: { dir | bundle, engine }`, the routes'
 * entrypoints) through the toolchain's public API, as a LoadedPolicy for the authorize stage.
 *
 * The policy returns Rego values; the decision parser wants plain JSON (sets become arrays), so
 * the result crosses `toJs` once per request — cheap for a decision-sized object.
 */
import { readFile } from 'node:fs/promises';
import { loadPolicyBundle, readOpaBundle, toJs, type PolicyBundleOptions, type Value } from '../../policy/index.js';
import type { LoadedPolicy } from './index.js';

export interface PolicyLoadConfig {
  /** a directory of .rego and data files, compiled by regate… */
  readonly dir?: string;
  /** …or what `opa build` wrote (bundle.tar.gz with policy.wasm or plan.json, a bare .wasm or plan) */
  readonly bundle?: string;
  readonly engine: 'js' | 'wasm';
  readonly entrypoints: readonly string[];
}

export function createPolicyLoader(cfg: PolicyLoadConfig): () => Promise<LoadedPolicy> {
  return async () => {
    const src = await source(cfg);
    const bundle = await loadPolicyBundle({ ...src, entrypoints: [...cfg.entrypoints], engine: src.wasm ? 'wasm' : cfg.engine });
    return {
      revision: bundle.revision,
      evaluate(entrypoint: string, input: unknown) {
        const v = bundle.evaluate(entrypoint, input as Value);
        return v === undefined ? undefined : toJs(v);
      },
    };
  };
}

async function source(cfg: PolicyLoadConfig): Promise<Pick<PolicyBundleOptions, 'dir' | 'wasm' | 'plan' | 'data'>> {
  if (cfg.bundle === undefined) return { dir: cfg.dir as string };
  const b = readOpaBundle(await readFile(cfg.bundle));
  // A WASM module runs through the SDK whatever the configured engine; a plan runs on either.
  return b.wasm ? { wasm: b.wasm, data: b.data } : { plan: b.plan!, data: b.data };
}
