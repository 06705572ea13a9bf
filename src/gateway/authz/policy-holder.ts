/**
 * Holds the live policy set and replaces it atomically on reload (file change or SIGHUP).
 *
 * A reload compiles the new set completely before it becomes visible; requests keep using the
 * previous set until the single reference swap, and each request takes one snapshot
 * (`current()`), so no request ever sees a mix of two revisions. A failing compile keeps the
 * previous set, records the error (file:line:col) for /readyz and counts it in a metric.
 */
import { watch, type FSWatcher } from 'node:fs';
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
  status(): PolicyStatus;
  /** watches `dir` and reloads (debounced) when a .rego/.json/.yaml file changes */
  watch(dir: string, debounceMs?: number): void;
  close(): void;
}

export interface PolicyHolderOptions {
  load(): Promise<LoadedPolicy>;
  onReload?(status: PolicyStatus, err?: unknown): void;
}

export function createPolicyHolder(opts: PolicyHolderOptions): PolicyHolder {
  let live: LoadedPolicy | null = null;
  let inflight: Promise<boolean> | null = null;
  let again = false;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  const status: PolicyStatus = { revision: null, loadedAt: null, lastError: null, lastErrorAt: null, reloads: 0, failedReloads: 0 };

  async function loadOnce(): Promise<boolean> {
    try {
      const next = await opts.load();
      live = next; // the atomic swap
      status.revision = next.revision;
      status.loadedAt = new Date().toISOString();
      status.lastError = null;
      status.reloads++;
      opts.onReload?.({ ...status });
      return true;
    } catch (err) {
      status.failedReloads++;
      status.lastError = err instanceof Error ? ((err as { render?: () => string }).render?.() ?? err.message) : String(err);
      status.lastErrorAt = new Date().toISOString();
      opts.onReload?.({ ...status }, err);
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
    status: () => ({ ...status }),
    watch(dir, debounceMs = 150) {
      if (watcher) return;
      watcher = watch(dir, { recursive: true, persistent: false }, (_event, file) => {
        if (file !== null && !/\.(rego|json|ya?ml)$/.test(String(file))) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      });
    },
    close() {
      watcher?.close();
      watcher = null;
      if (timer) clearTimeout(timer);
    },
  };
}
