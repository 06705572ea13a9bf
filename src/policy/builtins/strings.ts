/** Builtins of this namespace (see registry.ts for the contract). */
import type { BuiltinDef } from './registry.js';

export const stringsBuiltins: BuiltinDef[] = [];
