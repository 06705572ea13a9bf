/**
 * Source locations for errors raised while a regate module runs. OPA reports eval errors as
 * `file:row: kind: message` (topdown's Error); the JS back end fills in the CallStmt's location.
 * A module built by compile.ts records the location index of the statement behind the latest
 * host call or conflict (runtime/abi.as, regate_err_loc) and carries the table itself in the
 * LOCATIONS_SECTION custom section. Modules without both (a real `opa build`) get no locator.
 *
 * @example
 *   const locate = createErrorLocator(wasm, () => loaded.wasmInstance);
 *   locate?.(); // { file: 'test-0.rego', line: 4, col: 3 } while handling a host call's error
 */
import type { SourceLocation } from '../../errors.js';
import { LOCATIONS_SECTION, readCustomSection } from './compile.js';

interface LocationTable {
  files: string[];
  locs: number[];
}

function parseTable(bytes: Uint8Array): LocationTable | undefined {
  try {
    const t = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LocationTable>;
    if (!Array.isArray(t.files) || !Array.isArray(t.locs)) return undefined;
    return { files: t.files.map(String), locs: t.locs.map(Number) };
  } catch {
    return undefined;
  }
}

/**
 * A function returning the current error location, or undefined for modules without location
 * support. `instance` is asked lazily: the locator exists before the SDK instantiates the
 * module (the host builtins that use it are handed to the SDK at load). The table is parsed
 * on the first error only.
 */
export function createErrorLocator(wasm: Uint8Array, instance: () => { exports?: unknown } | undefined): (() => SourceLocation | undefined) | undefined {
  const bytes = readCustomSection(wasm, LOCATIONS_SECTION);
  if (!bytes) return undefined;
  let table: LocationTable | undefined | null = null;
  return () => {
    const get = (instance()?.exports as Record<string, unknown> | undefined)?.regate_err_loc;
    if (typeof get !== 'function') return undefined;
    const i = Number((get as () => number)());
    if (!Number.isInteger(i) || i <= 0) return undefined;
    if (table === null) table = parseTable(bytes);
    if (!table) return undefined;
    const at = 3 * (i - 1);
    const file = table.locs[at];
    const line = table.locs[at + 1];
    const col = table.locs[at + 2];
    if (file === undefined || line === undefined || col === undefined) return undefined;
    // Same fallback name as the JS back end for a file index outside static.files.
    return { file: table.files[file] ?? `file${file}`, line, col };
  };
}
