/**
 * net.* builtins (OPA topdown/cidr.go, net.go) with Go `net` parsing rules (../shared/ip.ts).
 */
import { BuiltinError } from '../../errors.js';
import { isObject, objectEntries, RSet, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';
import { compareIp, IpError, ipString, ipToBig, lastIp, maskIp, netContains, netString, parseCidr, parseIp, rangeToCidrs, to4, bigToIp, type Ip, type IpNet } from '../shared/ip.js';
import { DnsError, lookupIpSync } from './sync-dns.js';
import { expectString as str } from '../shared/args.js';

/** More addresses than this from net.cidr_expand is an error (OPA relies on query cancellation instead). */
const EXPAND_LIMIT = 1n << 20n;
const DNS_TIMEOUT_MS = 5000;


function cidrOperand(name: string, v: Value, pos: number): IpNet {
  const s = str(name, v, pos);
  try {
    return parseCidr(s);
  } catch (e) {
    if (e instanceof IpError) throw new BuiltinError(name, e.message);
    throw e;
  }
}

/** A contains B (an address, or a whole block: its first and last address). */
function contains(name: string, a: Value, b: Value): boolean {
  const na = cidrOperand(name, a, 1);
  const bs = str(name, b, 1);
  const ip = parseIp(bs);
  if (ip) return netContains(na, ip);
  let nb: IpNet;
  try {
    nb = parseCidr(bs);
  } catch {
    throw new BuiltinError(name, `not a valid textual representation of an IP address or CIDR: ${bs}`);
  }
  return netContains(na, nb.ip) && netContains(na, lastIp(nb));
}

/** Elements of a contains_matches operand: [cidr, key] pairs (string / array / set / object). */
function matchOperand(name: string, pos: number, v: Value): [Value, Value][] {
  const elem = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0] as Value;
    throw new BuiltinError(name, `operand ${pos}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [elem(x), i]);
  if (v instanceof RSet) return v.values().map((x) => [elem(x), x]);
  if (isObject(v)) return objectEntries(v).map(([k, x]) => [elem(x), k]);
  return [];
}

function defaultPrefix(v4: Ip): number {
  const a = v4[0] as number;
  return a < 0x80 ? 8 : a < 0xc0 ? 16 : 24;
}

/** An element of net.cidr_merge: a CIDR, or an IPv4 address with its classful default mask. */
function mergeElement(name: string, x: Value): IpNet {
  if (typeof x !== 'string') throw new BuiltinError(name, 'element must be string');
  const ip = parseIp(x);
  if (!ip) {
    try {
      return parseCidr(x);
    } catch (e) {
      throw new BuiltinError(name, (e as Error).message);
    }
  }
  const v4 = to4(ip);
  if (!v4) throw new BuiltinError(name, 'IPv6 invalid: needs prefix length');
  const prefix = defaultPrefix(v4);
  return { ip: maskIp(v4, prefix), prefix, shown: v4 };
}

interface Range {
  first: Ip;
  last: Ip;
  net: IpNet | undefined;
}

function merge(nets: IpNet[]): IpNet[] {
  const ranges: Range[] = nets.map((n) => ({ first: n.ip, last: lastIp(n), net: n }));
  ranges.sort((a, b) => compareIp(a.last, b.last) || compareIp(a.first, b.first));
  for (let i = ranges.length - 1; i > 0; i--) {
    const cur = ranges[i] as Range;
    const prevRange = ranges[i - 1] as Range;
    // The address before cur.first (0 stays 0, as in OPA's GetPreviousIP).
    const f = ipToBig(cur.first);
    const before = f === 0n ? cur.first : bigToIp(f - 1n, cur.first.length);
    if (compareIp(before, prevRange.last) <= 0) {
      const first = compareIp(prevRange.first, cur.first) < 0 ? prevRange.first : cur.first;
      ranges[i - 1] = { first, last: cur.last, net: undefined };
      ranges.splice(i, 1);
    }
  }
  const out: IpNet[] = [];
  for (const r of ranges) {
    if (r.net) out.push(r.net);
    else if (r.first.length === r.last.length) out.push(...rangeToCidrs(r.first, r.last));
  }
  return out;
}

export const netBuiltins: BuiltinDef[] = [
  { name: 'net.cidr_contains', arity: 2, impl: ([a, b]) => contains('net.cidr_contains', a as Value, b as Value) },
  // Deprecated alias kept for old policies (OPA registers the same implementation).
  { name: 'net.cidr_overlap', arity: 2, impl: ([a, b]) => contains('net.cidr_overlap', a as Value, b as Value) },
  {
    name: 'net.cidr_intersects',
    arity: 2,
    impl: ([a, b]) => {
      const name = 'net.cidr_intersects';
      const na = cidrOperand(name, a as Value, 1);
      const nb = cidrOperand(name, b as Value, 1);
      return netContains(na, nb.ip) || netContains(nb, na.ip);
    },
  },
  {
    name: 'net.cidr_contains_matches',
    arity: 2,
    impl: ([a, b]) => {
      const name = 'net.cidr_contains_matches';
      const out = new RSet();
      const left = matchOperand(name, 1, a as Value);
      const right = matchOperand(name, 2, b as Value);
      for (const [c1, k1] of left) for (const [c2, k2] of right) if (contains(name, c1, c2)) out.add([k1, k2]);
      return out;
    },
  },
  {
    name: 'net.cidr_expand',
    arity: 1,
    impl: ([c]) => {
      const name = 'net.cidr_expand';
      const n = cidrOperand(name, c as Value, 1);
      const count = 1n << BigInt(n.ip.length * 8 - n.prefix);
      if (count > EXPAND_LIMIT) throw new BuiltinError(name, `CIDR ${str(name, c as Value, 1)} has too many addresses to expand`);
      const out = new RSet();
      const start = ipToBig(n.ip);
      for (let i = 0n; i < count; i++) out.add(ipString(bigToIp(start + i, n.ip.length)));
      return out;
    },
  },
  {
    name: 'net.cidr_is_valid',
    arity: 1,
    impl: ([c]) => {
      if (typeof c !== 'string') return false;
      try {
        parseCidr(c);
        return true;
      } catch {
        return false;
      }
    },
  },
  {
    name: 'net.cidr_merge',
    arity: 1,
    impl: ([v]) => {
      const name = 'net.cidr_merge';
      let elems: readonly Value[];
      if (Array.isArray(v)) elems = v;
      else if (v instanceof RSet) elems = v.values();
      else throw new BuiltinError(name, 'operand must be an array');
      return RSet.of(merge(elems.map((x) => mergeElement(name, x))).map(netString));
    },
  },
  {
    name: 'net.lookup_ip_addr',
    arity: 1,
    nondeterministic: true,
    impl: ([n]) => {
      const name = 'net.lookup_ip_addr';
      const host = str(name, n as Value, 1);
      // An address literal resolves to itself without any lookup (Go's resolver does the same).
      const lit = parseIp(host);
      if (lit) return RSet.of([ipString(lit)]);
      try {
        return RSet.of(lookupIpSync(host, DNS_TIMEOUT_MS).map((a) => {
          const ip = parseIp(a);
          return ip ? ipString(ip) : a;
        }));
      } catch (e) {
        if (e instanceof DnsError) throw new BuiltinError(name, e.message);
        throw e;
      }
    },
  },
];
