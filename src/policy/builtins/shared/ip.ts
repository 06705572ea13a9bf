/**
 * IP addresses and CIDR blocks with Go's `net` semantics (ParseIP, ParseCIDR, IPNet.Contains,
 * IP.String), which OPA's net.* builtins inherit: IPv4 is 4 bytes, IPv6 16, IPv4-mapped IPv6
 * addresses print dotted, IPv6 prints per RFC 5952.
 *
 * @example
 *   const n = parseCidr('192.168.1.1/30'); // { ip: [192,168,1,0], prefix: 30 }
 *   netContains(n, parseIp('192.168.1.3')!); // true
 */

export class IpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpError';
  }
}

export type Ip = Uint8Array; // 4 or 16 bytes

export interface IpNet {
  ip: Ip;
  /** mask length in bits of `ip` (len(ip)*8 wide) */
  prefix: number;
  /** the address as written, before masking (Go keeps it for ParseIP+DefaultMask nets) */
  shown?: Ip;
}

function parseV4(s: string): Ip | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    // Go rejects empty parts, non-digits, values > 255 and (since 1.17) leading zeros.
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Ip | undefined {
  const out = new Uint8Array(16);
  let head = s;
  let tail = '';
  const dc = s.indexOf('::');
  if (dc >= 0) {
    if (s.indexOf('::', dc + 1) >= 0) return undefined;
    head = s.slice(0, dc);
    tail = s.slice(dc + 2);
  }
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const bytes: number[] = [];
    const gs = part.split(':');
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i] as string;
      if (i === gs.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return undefined;
        bytes.push(...v4);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        const n = parseInt(g, 16);
        bytes.push(n >> 8, n & 0xff);
      }
    }
    return bytes;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  if (dc < 0) {
    if (h.length !== 16) return undefined;
    out.set(h);
    return out;
  }
  if (h.length + t.length > 14) return undefined;
  out.set(h, 0);
  out.set(t, 16 - t.length);
  return out;
}

/** Go net.ParseIP: IPv4 comes back as a 16-byte IPv4-mapped address, like Go. */
export function parseIp(s: string): Ip | undefined {
  const v4 = parseV4(s);
  if (v4) return toV6(v4);
  if (!s.includes(':')) return undefined;
  return parseV6(s);
}

function toV6(v4: Ip): Ip {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

/** Go IP.To4: the 4-byte form of an IPv4 or IPv4-mapped address, else undefined. */
export function to4(ip: Ip): Ip | undefined {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  if (ip[10] !== 0xff || ip[11] !== 0xff) return undefined;
  return ip.slice(12);
}

/** Go net.ParseCIDR: the masked network. Throws IpError("invalid CIDR address: …"). */
export function parseCidr(s: string): IpNet {
  const bad = () => new IpError(`invalid CIDR address: ${s}`);
  const slash = s.indexOf('/');
  if (slash < 0) throw bad();
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let ip = parseV4(addr);
  if (!ip && addr.includes(':')) ip = parseV6(addr);
  if (!ip) throw bad();
  // Go's dtoi: decimal digits, leading zeros allowed ("/008"), given up at 0xFFFFFF.
  if (!/^\d{1,8}$/.test(mask)) throw bad();
  const prefix = Number(mask);
  if (prefix > ip.length * 8) throw bad();
  return { ip: maskIp(ip, prefix), prefix };
}

export function maskIp(ip: Ip, prefix: number): Ip {
  const out = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (ip[i] as number) & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Go IPNet.Contains (IPv4-mapped forms compare as IPv4). */
export function netContains(n: IpNet, ip: Ip): boolean {
  let nn = n.ip;
  let prefix = n.prefix;
  const n4 = to4(nn);
  if (n4 && nn.length === 16) {
    // A 128-bit mask on a v4-mapped network: Go keeps the mask's last 32 bits.
    nn = n4;
    prefix = Math.max(0, prefix - 96);
  }
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  const m = maskIp(x, prefix);
  for (let i = 0; i < m.length; i++) if (m[i] !== nn[i]) return false;
  return true;
}

export function ipToBig(ip: Ip): bigint {
  let v = 0n;
  for (const b of ip) v = (v << 8n) | BigInt(b);
  return v;
}

export function bigToIp(v: bigint, len: number): Ip {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Last address of a network. */
export function lastIp(n: IpNet): Ip {
  const bits = n.ip.length * 8;
  const host = (1n << BigInt(bits - n.prefix)) - 1n;
  return bigToIp(ipToBig(n.ip) | host, n.ip.length);
}

/** Go IP.String. */
export function ipString(ip: Ip): string {
  const v4 = to4(ip);
  if (v4) return [...v4].join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((ip[i] as number) << 8) | (ip[i + 1] as number));
  // RFC 5952: the first longest run (≥ 2) of zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.map((x) => x.toString(16)).join(':');
  return g.slice(0, best).map((x) => x.toString(16)).join(':') + '::' + g.slice(best + bestLen).map((x) => x.toString(16)).join(':');
}

export function netString(n: IpNet): string {
  // Go's IPNet.String: an IPv4-mapped network prints as IPv4, its mask cut to the last 32 bits.
  const prefix = n.ip.length === 16 && to4(n.ip) ? Math.max(0, n.prefix - 96) : n.prefix;
  return `${ipString(n.shown ?? n.ip)}/${prefix}`;
}

/** Go bytes.Compare on the raw forms. */
export function compareIp(a: Ip, b: Ip): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The minimal list of CIDR blocks exactly covering [first, last] (same length addresses). */
export function rangeToCidrs(first: Ip, last: Ip): IpNet[] {
  const len = first.length;
  const bits = len * 8;
  let lo = ipToBig(first);
  const hi = ipToBig(last);
  const out: IpNet[] = [];
  // Bounded: each step covers at least one address and at most `bits+1` blocks per power of two.
  while (lo <= hi) {
    let size = bits;
    // Grow the block while lo stays aligned and the block stays within hi.
    while (size > 0) {
      const block = 1n << BigInt(bits - size + 1);
      if ((lo & (block - 1n)) !== 0n || lo + block - 1n > hi) break;
      size--;
    }
    out.push({ ip: bigToIp(lo, len), prefix: size });
    lo += 1n << BigInt(bits - size);
  }
  return out;
}
