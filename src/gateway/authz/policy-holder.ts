/**
 * Holds the live policy set and replaces it atomically on reload (file change or SIGHUP).
 *
 * A reload compiles the new set completely before it becomes visible (in the gateway, in a
 * compile thread: compile-thread.ts, so this thread's event loop only instantiates the result);
 * requests keep using the previous set until the single reference swap, and each request takes
 * one snapshot (`current()`), so no request ever sees a mix of two revisions. A failing compile keeps the
 * previous set, records the error (file:line:col) for /readyz and counts it in a metric.
 *
 * Watching: one non-recursive watcher per directory, not `fs.watch(dir, { recursive: true })`.
 * On Linux, Node 20's recursive mode watches each file's inode, so a file replaced by rename —
 * what editors, `kubectl cp`/ConfigMap updates and atomic deploys do — is never seen again after
 * the first replacement (checked on v20.20). A directory watch reports every name that changes in
 * it, whatever happens to the inodes.
 */
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { LoadedPolicy, PolicySource } from './index.js';

export interface PolicyStatus {
  revision: string | null;
  loadedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  reloads: number;
  failedReloads: number;
}

export interface PolicyHolder extends PolicySource {
  /** compiles and swaps in a new set; resolves false (keeping the old set) when it fails */
  reload(): Promise<boolean>;
  /**
   * Two-phase activation for worker threads that must switch together (server/run.ts): `stage`
   * compiles the next set and keeps it aside (resolves null, or the error text); `commit` swaps
   * it in — a reference assignment, so every worker switches within one message round trip;
   * `abort` drops it. `load` (default: the holder's own) is how to get the set: the main thread
   * of a worker-thread gateway compiles once for all workers and each only instantiates it.
   */
  stage(load?: () => Promise<LoadedPolicy>): Promise<string | null>;
  commit(): boolean;
  abort(): void;
  status(): PolicyStatus;
  /** watches `dir` and reloads (debounced) when a .rego/.json/.yaml file (or a bundle) changes */
  watch(dir: string, debounceMs?: number): void;
  close(): void;
}

export interface PolicyHolderOptions {
  load(): Promise<LoadedPolicy>;
  onReload?(status: PolicyStatus, err?: unknown): void;
}

const POLICY_FILE = /\.(rego|json|ya?ml|wasm|tar\.gz|tgz)$/;
const MAX_DIRS = 1000;

/** `root` and the directories below it (not following symlinks below the root), at most MAX_DIRS. */
function listDirs(root: string): Set<string> {
  const out = new Set<string>();
  const queue = [root];
  while (queue.length > 0 && out.size < MAX_DIRS) {
    const d = queue.shift()!;
    out.add(d);
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) queue.push(join(d, e.name));
  }
  return out;
}

export function createPolicyHolder(opts: PolicyHolderOptions): PolicyHolder {
  let live: LoadedPolicy | null = null;
  let inflight: Promise<boolean> | null = null;
  let again = false;
  let watchers: Map<string, FSWatcher> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const status: PolicyStatus = { revision: null, loadedAt: null, lastError: null, lastErrorAt: null, reloads: 0, failedReloads: 0 };

  let staged: LoadedPolicy | null = null;

  function swapIn(next: LoadedPolicy): void {
    live = next; // the atomic swap
    status.revision = next.revision;
    status.loadedAt = new Date().toISOString();
    status.lastError = null;
    status.reloads++;
    opts.onReload?.({ ...status });
  }

  function recordFailure(err: unknown): string {
    status.failedReloads++;
    status.lastError = err instanceof Error ? ((err as { render?: () => string }).render?.() ?? err.message) : String(err);
    status.lastErrorAt = new Date().toISOString();
    opts.onReload?.({ ...status }, err);
    return status.lastError;
  }

  async function loadOnce(): Promise<boolean> {
    try {
      swapIn(await opts.load());
      return true;
    } catch (err) {
      recordFailure(err);
      return false;
    }
  }

  // Reloads never overlap; a change during a reload schedules exactly one more.
  function reload(): Promise<boolean> {
    if (inflight) {
      again = true;
      return inflight;
    }
    inflight = (async () => {
      let ok: boolean;
      do {
        again = false;
        ok = await loadOnce();
      } while (again);
      inflight = null;
      return ok;
    })();
    return inflight;
  }

  return {
    current: () => live,
    reload,
    async stage(load = opts.load) {
      try {
        staged = await load();
        return null;
      } catch (err) {
        staged = null;
        return recordFailure(err);
      }
    },
    commit() {
      if (staged === null) return false;
      swapIn(staged);
      staged = null;
      return true;
    },
    abort() {
      staged = null;
    },
    status: () => ({ ...status }),
    watch(dir, debounceMs = 150) {
      if (watchers !== null) return;
      watchers = new Map();
      const schedule = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      };
      // Adds a watcher for every directory under `dir` not watched yet and drops the ones of
      // directories that are gone. Bounded: a policy tree is small; a huge one is a mistake.
      const sync = (initial = false) => {
        if (watchers === null) return;
        const dirs = listDirs(dir);
        for (const [d, w] of watchers) if (!dirs.has(d)) (w.close(), watchers.delete(d));
        for (const d of dirs) {
          if (watchers.has(d)) continue;
          // Files may have landed in a new directory before its watcher existed: reload once.
          if (!initial) schedule();
          try {
            const w = watch(d, { persistent: false }, (event, file) => {
              const name = file === null ? '' : String(file);
              // A rename of a name without a policy extension may be a new or removed directory.
              if (event === 'rename' && !POLICY_FILE.test(name)) sync();
              if (file === null || POLICY_FILE.test(name)) schedule();
            });
            w.on('error', () => sync()); // the directory went away
            watchers.set(d, w);
          } catch {
            /* removed between listing and watching; the parent's event resyncs */
          }
        }
      };
      sync(true);
    },
    close() {
      for (const w of watchers?.values() ?? []) w.close();
      watchers = null;
      if (timer) clearTimeout(timer);
    },
  };
}
