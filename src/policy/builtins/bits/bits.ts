/**
 * Bitwise operations on integers (OPA topdown/bits.go uses big.Int, so results are exact at any
 * size; bigint gives the same two's-complement semantics for negative operands).
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import type { Value } from '../../value/index.js';
import { argBigInt } from '../shared/args.js';
import { fromBigInt } from '../shared/num.js';

/** Refuses shifts that would build absurdly large integers (a single value of > 1M bits). */
const MAX_SHIFT = 1n << 20n;

function bin(name: string, op: (a: bigint, b: bigint) => bigint): BuiltinDef {
  return { name, arity: 2, impl: (args) => fromBigInt(op(argBigInt(name, args, 0), argBigInt(name, args, 1))) };
}

function shiftAmount(name: string, args: readonly Value[]): bigint {
  const s = argBigInt(name, args, 1);
  if (s < 0n) throw new BuiltinTypeError(name, 'operand 2 must be an unsigned integer number but got a negative integer');
  return s;
}

export const bitsBuiltins: BuiltinDef[] = [
  bin('bits.and', (a, b) => a & b),
  bin('bits.or', (a, b) => a | b),
  bin('bits.xor', (a, b) => a ^ b),
  { name: 'bits.negate', arity: 1, impl: (args) => fromBigInt(~argBigInt('bits.negate', args, 0)) },
  {
    name: 'bits.lsh',
    arity: 2,
    impl: (args) => {
      const x = argBigInt('bits.lsh', args, 0);
      const s = shiftAmount('bits.lsh', args);
      if (s > MAX_SHIFT && x !== 0n) throw new BuiltinError('bits.lsh', 'shift amount too large');
      return fromBigInt(x << s);
    },
  },
  {
    name: 'bits.rsh',
    arity: 2,
    impl: (args) => {
      const x = argBigInt('bits.rsh', args, 0);
      const s = shiftAmount('bits.rsh', args);
      if (s > MAX_SHIFT) return x < 0n ? -1 : 0;
      return fromBigInt(x >> s);
    },
  },
];
