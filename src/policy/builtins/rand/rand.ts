/**
 * rand.intn (OPA topdown/rand.go): a random integer in [0, |n|), the same for the same
 * (str, n) within one evaluation — memoised in ctx.cache — and drawn from ctx.random.
 */
import { BuiltinTypeError } from '../../errors.js';
import { typeName, type Value } from '../../value/index.js';
import { argInt } from '../shared/args.js';
import type { BuiltinDef } from '../registry.js';

export const randBuiltins: BuiltinDef[] = [
  {
    name: 'rand.intn',
    arity: 2,
    nondeterministic: true,
    impl: (args, ctx) => {
      const name = 'rand.intn';
      const s = args[0] as Value;
      if (typeof s !== 'string') throw new BuiltinTypeError(name, `operand 1 must be string but got ${typeName(s)}`);
      // IntOperand: the text must be an int64 (rand.intn("k", 1.0) is a type error in OPA)
      let max = argInt(name, args, 1);
      if (max === 0n) return 0;
      if (max < 0n) max = -max;
      // OPA's cache key is fmt.Sprintf("%s-%d", str, n) after taking |n|.
      const key = `rand.intn\u0000${s}-${max}`;
      const hit = ctx.cache.get(key);
      if (hit !== undefined) return hit as Value;
      const r = max <= BigInt(Number.MAX_SAFE_INTEGER) ? Math.floor(ctx.random() * Number(max)) : Number(BigInt(Math.floor(ctx.random() * 2 ** 53)) % max);
      ctx.cache.set(key, r);
      return r;
    },
  },
];
