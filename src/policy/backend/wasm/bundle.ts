/**
 * buildBundle: an OPA bundle (`bundle.tar.gz`) holding a Wasm policy, laid out as `opa build -t
 * wasm` lays it out: `/policy.wasm`, `/data.json` and `/.manifest` whose `wasm` array names the
 * module's entrypoints. Written with node:zlib and a minimal ustar writer (regular files only).
 *
 * @example
 *   const tgz = buildBundle({ wasm, entrypoints: ['gateway/decision'], data: {} });
 *   writeFileSync('bundle.tar.gz', tgz);
 */
import { gzipSync } from 'node:zlib';
import { stringifyJson, type Value } from '../../value/index.js';

export interface BundleInput {
  wasm: Uint8Array;
  /** entrypoint names, e.g. "gateway/decision" (as in the module's `entrypoints` export) */
  entrypoints: readonly string[];
  data?: Value;
  /** bundle revision recorded in the manifest */
  revision?: string;
  /** fixed mtime (seconds) for reproducible output; defaults to 0 */
  mtime?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  // ustar numeric fields: zero-padded octal, NUL-terminated.
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const enc = new TextEncoder();
  const put = (s: string, at: number): void => h.set(enc.encode(s), at);
  const nameBytes = enc.encode(name);
  if (nameBytes.length > 100) throw new TypeError(`bundle path too long for ustar: ${name}`);
  h.set(nameBytes, 0);
  put(octal(0o644, 8), 100); // mode
  put(octal(0, 8), 108); // uid
  put(octal(0, 8), 116); // gid
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put('        ', 148); // checksum placeholder: eight spaces while summing
  put('0', 156); // regular file
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + ' ', 148);
  return h;
}

/** Bytes of a tar archive (no compression) with the given files, in order. */
export function writeTar(files: readonly { name: string; data: Uint8Array }[], mtime = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of files) {
    parts.push(tarHeader(f.name, f.data.length, mtime), f.data);
    const pad = (BLOCK - (f.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(parts);
}

/** Builds `bundle.tar.gz` bytes. */
export function buildBundle(input: BundleInput): Uint8Array {
  if (input.entrypoints.length === 0) throw new TypeError('a wasm bundle needs at least one entrypoint');
  const enc = new TextEncoder();
  const manifest = {
    revision: input.revision ?? '',
    roots: [''],
    wasm: input.entrypoints.map((e) => ({ entrypoint: e, module: '/policy.wasm' })),
  };
  const tar = writeTar(
    [
      { name: '/data.json', data: enc.encode(stringifyJson(input.data ?? {})) },
      { name: '/policy.wasm', data: input.wasm },
      { name: '/.manifest', data: enc.encode(JSON.stringify(manifest)) },
    ],
    input.mtime ?? 0,
  );
  return gzipSync(tar);
}
