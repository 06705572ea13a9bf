/**
 * Array builtins (OPA topdown/array.go). `array.slice` clamps its indexes like OPA:
 * negative start → 0, stop beyond the end → length, start ≥ stop → [].
 */
import type { BuiltinDef } from '../registry.js';
import { argArray, argInt } from '../shared/args.js';

function clamp(i: bigint, len: number): number {
  if (i < 0n) return 0;
  if (i > BigInt(len)) return len;
  return Number(i);
}

export const arraysBuiltins: BuiltinDef[] = [
  {
    name: 'array.concat',
    arity: 2,
    impl: (args) => [...argArray('array.concat', args, 0), ...argArray('array.concat', args, 1)],
  },
  {
    name: 'array.slice',
    arity: 3,
    impl: (args) => {
      const a = argArray('array.slice', args, 0);
      const start = clamp(argInt('array.slice', args, 1), a.length);
      const stop = clamp(argInt('array.slice', args, 2), a.length);
      return start >= stop ? [] : a.slice(start, stop);
    },
  },
  {
    // One level only: nested arrays inside the elements stay as they are.
    name: 'array.flatten',
    arity: 1,
    impl: (args) => argArray('array.flatten', args, 0).flatMap((x) => (Array.isArray(x) ? x : [x])),
  },
  {
    name: 'array.reverse',
    arity: 1,
    impl: (args) => [...argArray('array.reverse', args, 0)].reverse(),
  },
];
