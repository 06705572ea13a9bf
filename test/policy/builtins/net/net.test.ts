/**
 * net.* against OPA's conformance cases (cases/v1/net*), plus IPv6 and lookup checks.
 */
import t from 'tap';
import { RSet } from '../../../../src/policy/value/index.js';
import { call, runCallCases } from '../corpus-helpers.js';

const n = runCallCases(
  t,
  ['netcidrcontains', 'netcidrcontainsmatches', 'netcidrexpand', 'netcidrintersects', 'netcidrisvalid', 'netcidrmerge', 'netlookupipaddr'],
  {
    'net.cidr_contains': 2,
    'net.cidr_contains_matches': 2,
    'net.cidr_expand': 1,
    'net.cidr_intersects': 2,
    'net.cidr_is_valid': 1,
    'net.cidr_merge': 1,
    'net.lookup_ip_addr': 1,
  },
);
t.test('most net cases are single-call cases', (t) => {
  t.ok(n >= 35, `recognised ${n}`);
  t.end();
});

t.test('IPv6 containment and formatting follow Go', (t) => {
  t.equal(call('net.cidr_contains', ['2001:db8::/32', '2001:db8:1::1']), true);
  t.equal(call('net.cidr_contains', ['2001:db8::/32', '2001:db9::1']), false);
  t.equal(call('net.cidr_contains', ['10.0.0.0/8', '::ffff:10.1.2.3']), true);
  t.equal(call('net.cidr_overlap', ['10.0.0.0/8', '10.1.0.0/16']), true);
  t.same(call('net.cidr_expand', ['2001:db8::/127']), RSet.of(['2001:db8::', '2001:db8::1']));
  t.same(call('net.cidr_merge', [['2001:db8::/65', '2001:db8:0:0:8000::/65']]), RSet.of(['2001:db8::/64']));
  t.throws(() => call('net.cidr_expand', ['10.0.0.0/4']), { code: 'REGO_ERR_BUILTIN' });
  t.throws(() => call('net.cidr_contains', ['10.0.0.0/8', 'nope']), { code: 'REGO_ERR_BUILTIN' });
  t.end();
});

t.test('net.lookup_ip_addr resolves localhost synchronously', (t) => {
  const r = call('net.lookup_ip_addr', ['localhost']) as RSet;
  t.ok(r.size >= 1 && r.values().every((a) => a === '127.0.0.1' || a === '::1'), `got ${JSON.stringify(r.values())}`);
  t.same(call('net.lookup_ip_addr', ['10.0.0.0']), RSet.of(['10.0.0.0']));
  t.end();
});

// Go's net.ParseCIDR reads the prefix with dtoi (leading zeros allowed), and IPNet.String prints
// an IPv4-mapped network as IPv4 with the mask's last 32 bits.
t.test('CIDR prefix digits and IPv4-mapped networks as Go prints them', (t) => {
  t.equal(call('net.cidr_is_valid', ['10.0.0.0/008']), true);
  t.equal(call('net.cidr_is_valid', ['10.0.0.0/033']), false);
  t.equal(call('net.cidr_contains', ['10.0.0.0/0008', '10.1.2.3']), true);
  t.same((call('net.cidr_merge', [['1.2.3.4/32', '::ffff:1.2.3.5/128']]) as RSet).values(), ['1.2.3.4/32', '1.2.3.5/32']);
  t.same((call('net.cidr_merge', [['::ffff:1.2.3.0/120']]) as RSet).values(), ['1.2.3.0/24']);
  t.end();
});
