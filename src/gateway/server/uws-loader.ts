/**
 * Loads the best native uWebSockets.js build this machine can run, and refuses the rest.
 *
 * 1. `@btc-vision/uwebsockets.js` — current uWS (Node 20–25) but linked against glibc ≥ 2.38.
 * 2. `@trufflesuite/uws-js-unofficial` — uWS v20.30 for Node ABI 93/108/115 (Node ≤ 20). Its
 *    index.js swallows a failed native load and returns a slow pure-JS shim; we never want that,
 *    so we `require` the `binaries/uws_<platform>_<arch>_<abi>.node` file directly.
 * 3. Neither → UwsLoadError saying what the platform lacks.
 *
 * @example const { uws, build } = loadUws(); uws.App().listen('127.0.0.1', 0, cb)
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as UwsTypes from '@trufflesuite/uws-js-unofficial/docs/index.js';

export type Uws = typeof UwsTypes;
export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial/docs/index.js';

export interface UwsBuild {
  /** npm package the binary came from */
  package: string;
  version: string;
  /** file name of the loaded native binary */
  binary: string;
  abi: string;
  platform: string;
  arch: string;
  /** builds tried before this one and why they were passed over */
  skipped: string[];
  /**
   * Whether `res.pause()` holds a request body while the response is being written. Not on
   * 20.56 and later (uSockets 833497e): there the read loop ignores a pause, and a response write
   * that meets backpressure while the socket is paused can leave it without writable
   * notifications — the response then stalls until the idle timeout cuts it (seen under load on
   * Node 24; test/gateway/proxy/backpressure.test.ts). Pausing before the response begins works.
   */
  pausable: boolean;
  /**
   * Whether requests with methods other than the nine of RFC 9110 §9 + PATCH (WebDAV's PROPFIND,
   * QUERY, …) reach the handler. uWS 20.30 (the Node 20 build) closes such a connection at once,
   * without an answer; 20.56 routes every token method to `any` (both seen with raw sockets,
   * test/gateway/server/extension-methods.test.ts).
   */
  extensionMethods: boolean;
}

/** uWS 20.56 routes every method to `any`; 20.30 only UWS_CORE_METHODS (no release between was tried). */
export function routesExtensionMethods(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 56);
}

/** The methods every uWS build routes; others only from 20.56 on (see UwsBuild.extensionMethods). */
export const UWS_CORE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** uWS builds from 20.56 on carry the uSockets read loop that does not honour a pause. */
export function pauseHolds(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 20 || (major === 20 && minor < 56);
}

export class UwsLoadError extends Error {
  readonly code = 'GW_ERR_UWS_UNAVAILABLE' as const;
  constructor(message: string, readonly attempts: string[]) {
    super(`${message}\n  ${attempts.join('\n  ')}`);
    this.name = 'UwsLoadError';
  }
}

const require = createRequire(import.meta.url);
let cached: { uws: Uws; build: UwsBuild } | undefined;

/**
 * uWS refuses request heads larger than its own buffer with a bare HTML 431 before our handler
 * runs (20.56 defaults to 4 KiB — less than one request with a large JWT). The binding reads
 * UWS_HTTP_MAX_HEADERS_SIZE once, when it loads; we raise it to the schema's maximum so that
 * regate's configured `limits.max_header_bytes` decides, with a JSON 431 like every other error.
 */
export const UWS_MAX_HEADERS_SIZE = 64 * 1024;

export function loadUws(): { uws: Uws; build: UwsBuild } {
  if (cached) return cached;
  process.env.UWS_HTTP_MAX_HEADERS_SIZE ??= String(UWS_MAX_HEADERS_SIZE);
  const attempts: string[] = [];
  const { platform, arch } = process;
  const abi = process.versions.modules;
  const file = `uws_${platform}_${arch}_${abi}.node`;
  const candidates = [
    { pkg: '@btc-vision/uwebsockets.js', dir: (root: string) => root },
    { pkg: '@trufflesuite/uws-js-unofficial', dir: (root: string) => join(root, 'binaries') },
  ];
  for (const c of candidates) {
    // Not require.resolve(pkg/package.json): btc-vision's `exports` map hides package.json.
    const root = (require.resolve.paths(c.pkg) ?? []).map((p) => join(p, c.pkg)).find((p) => existsSync(join(p, 'package.json')));
    if (root === undefined) {
      attempts.push(`${c.pkg}: not installed`);
      continue;
    }
    const bin = join(c.dir(root), file);
    if (!existsSync(bin)) {
      attempts.push(`${c.pkg}: no binary for ${platform}/${arch} Node ABI ${abi} (${file})`);
      continue;
    }
    try {
      const uws = require(bin) as Uws;
      // A real binding exposes the native socket helpers; the JS shim does not.
      if (typeof uws.App !== 'function' || typeof uws.us_socket_local_port !== 'function') throw new Error('not a native uWS binding');
      const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
      cached = { uws, build: { package: c.pkg, version, binary: file, abi, platform, arch, skipped: attempts, pausable: pauseHolds(version), extensionMethods: routesExtensionMethods(version) } };
      return cached;
    } catch (err) {
      attempts.push(`${c.pkg}: ${file} does not load: ${explain(err)}`);
    }
  }
  throw new UwsLoadError(
    `no native uWebSockets.js build runs on this machine (Node ${process.version}, ABI ${abi}, ${platform}/${arch}, glibc ${glibcVersion() ?? 'unknown'}). ` +
      'The btc-vision build needs glibc >= 2.38; the trufflesuite build needs Node <= 20.',
    attempts,
  );
}

function explain(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const glibc = /GLIBC_([\d.]+)' not found/.exec(msg);
  return glibc ? `needs glibc ${glibc[1]} (this system has ${glibcVersion() ?? 'unknown'})` : msg.split('\n')[0] ?? msg;
}

function glibcVersion(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}
