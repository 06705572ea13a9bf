/**
 * crypto.* digests, HMACs and private-key parsing (OPA topdown/crypto.go). Digests and MACs
 * are lower-case hex of the bytes of their string operands (a decoded string's raw bytes as
 * themselves: value/go-bytes.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BuiltinError } from '../../errors.js';
import type { Value } from '../../value/index.js';
import { goStringBytes } from '../../value/go-bytes.js';
import type { BuiltinDef } from '../registry.js';
import { parsePrivateKeysPem, X509Error } from '../shared/x509-der.js';
import { expectString as str } from '../shared/args.js';


function digest(algo: string): BuiltinDef {
  const name = `crypto.${algo}`;
  return { name, arity: 1, impl: ([s]) => createHash(algo).update(goStringBytes(str(name, s as Value, 1))).digest('hex') };
}

function hmac(algo: string): BuiltinDef {
  const name = `crypto.hmac.${algo}`;
  return {
    name,
    arity: 2,
    impl: ([m, k]) => {
      const msg = str(name, m as Value, 1);
      const key = str(name, k as Value, 2);
      return createHmac(algo, goStringBytes(key)).update(goStringBytes(msg)).digest('hex');
    },
  };
}

export const cryptoBuiltins: BuiltinDef[] = [
  digest('md5'),
  digest('sha1'),
  digest('sha256'),
  hmac('md5'),
  hmac('sha1'),
  hmac('sha256'),
  hmac('sha512'),
  {
    name: 'crypto.hmac.equal',
    arity: 2,
    // Constant-time over equal lengths, like Go's hmac.Equal.
    impl: ([a, b]) => {
      const x = goStringBytes(str('crypto.hmac.equal', a as Value, 1));
      const y = goStringBytes(str('crypto.hmac.equal', b as Value, 2));
      return x.length === y.length && timingSafeEqual(x, y);
    },
  },
  {
    name: 'crypto.parse_private_keys',
    arity: 1,
    impl: ([k]) => {
      const name = 'crypto.parse_private_keys';
      const s = str(name, k as Value, 1);
      if (s === '') return null;
      try {
        return parsePrivateKeysPem(s).map((x) => x.goJson);
      } catch (e) {
        if (e instanceof X509Error) throw new BuiltinError(name, e.message);
        throw e;
      }
    },
  },
];
