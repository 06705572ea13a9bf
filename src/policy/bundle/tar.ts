/**
 * Tar archives for bundles, through tar-stream (ustar, PAX and GNU long names): what `opa build`
 * writes, what GNU/BSD tar write for paths past 100 bytes, and what regate writes itself.
 *
 * The archive is in memory (bundles are downloaded whole); entries are bounded in size and count
 * and their names are never used as file-system paths.
 *
 * @example
 *   const files = await readTarFiles(readFileSync('bundle.tar.gz')); // Map { 'data.json' => bytes, … }
 *   const tgz = await writeTarGz([{ name: 'a/data.json', data: Buffer.from('{}') }]);
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { RegoError } from '../errors.js';

const MAX_ENTRIES = 10_000;
const MAX_BYTES = 256 * 1024 * 1024;

const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

/** `/a/b`, `./a/b` and `a//b` all name `a/b`; `..` segments are refused (the name is a key, but it must mean one thing). */
export function normaliseEntryName(name: string): string {
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new RegoError('REGO_ERR_BUNDLE', `bundle entry ${JSON.stringify(name)} has a '..' segment`);
  return segs.join('/');
}

/** The regular files of a (gzipped) tar archive, by normalised name. */
export async function readTarFiles(archive: Uint8Array): Promise<Map<string, Uint8Array>> {
  let tar: Buffer;
  try {
    tar = isGzip(archive) ? gunzipSync(archive, { maxOutputLength: MAX_BYTES }) : Buffer.from(archive);
  } catch (e) {
    throw new RegoError('REGO_ERR_BUNDLE', `the bundle does not gunzip: ${(e as Error).message}`, { cause: e });
  }
  const files = new Map<string, Uint8Array>();
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('error', reject);
      stream.on('end', () => {
        if (header.type === 'file' || header.type === 'contiguous-file') {
          if (files.size >= MAX_ENTRIES) return reject(new RegoError('REGO_ERR_BUNDLE', 'too many entries in the bundle'));
          try {
            const name = normaliseEntryName(header.name);
            if (files.has(name)) return reject(new RegoError('REGO_ERR_BUNDLE', `bundle entry ${name} appears twice`));
            files.set(name, Buffer.concat(chunks));
          } catch (e) {
            return reject(e);
          }
        }
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', (e: Error) => reject(new RegoError('REGO_ERR_BUNDLE', `truncated or corrupt tar archive: ${e.message}`, { cause: e })));
  });
  Readable.from([tar]).pipe(extract);
  await done;
  return files;
}

/** A gzipped tar of `files` (PAX headers for long names), mtime fixed for reproducible output. */
export async function writeTarGz(files: readonly { name: string; data: Uint8Array }[], mtime = new Date(0)): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const out = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const f of files) {
    await new Promise<void>((resolve, reject) => pack.entry({ name: f.name, size: f.data.length, mode: 0o644, mtime, type: 'file' }, Buffer.from(f.data), (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await out;
  return gzipSync(Buffer.concat(chunks));
}
