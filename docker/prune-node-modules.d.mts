/**
 * Types of docker/prune-node-modules.mjs (a plain script: the image runs it with node before
 * any TypeScript is built), for test/docker/prune-node-modules.test.ts.
 */

/** The uWS packages the loader may load and the directory each keeps its binaries in. */
export declare const UWS_PACKAGES: readonly { readonly name: string; readonly binDir: string }[];

/** The file name of the uWS binary for a platform, architecture and Node ABI (this process's by default). */
export declare function uwsBinaryName(target?: { platform: string; arch: string; abi: string }): string;

export interface PruneOptions {
  engine?: 'js' | 'wasm';
  /** the uWS binary to keep (uwsBinaryName() by default) */
  binary?: string;
  /** false: only plan, remove nothing (`--dry-run`) */
  apply?: boolean;
}

export interface PruneResult {
  /** paths relative to node_modules */
  removed: string[];
  kept: string[];
  /** bytes removed (or that would be) */
  freed: number;
}

export declare function prune(nodeModules: string, opts?: PruneOptions): PruneResult;
