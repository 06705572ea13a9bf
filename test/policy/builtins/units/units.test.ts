/** units.parse / units.parse_bytes and semver. */
import t from 'tap';
import { call, j, throwsCode } from '../helpers.js';

t.test('units.parse_bytes', (t) => {
  t.equal(call('units.parse_bytes', '100kb'), 100000);
  t.equal(call('units.parse_bytes', '100KiB'), 102400);
  t.equal(call('units.parse_bytes', '10KIB'), 10240);
  t.equal(call('units.parse_bytes', '1.1KB'), 1100);
  t.equal(call('units.parse_bytes', '1.1KiB'), 1126);
  t.equal(call('units.parse_bytes', '.5KB'), 500);
  t.equal(call('units.parse_bytes', '10eib'), 11529215046068469760n);
  t.equal(call('units.parse_bytes', '1e3'), 1000);
  t.equal(call('units.parse_bytes', '"10M"'), 10000000);
  throwsCode(t, () => call('units.parse_bytes', ''), 'REGO_ERR_BUILTIN', 'units.parse_bytes: no byte amount provided');
  throwsCode(t, () => call('units.parse_bytes', '100 kb'), 'REGO_ERR_BUILTIN', 'spaces not allowed in resource strings');
  throwsCode(t, () => call('units.parse_bytes', '0.0.0'), 'REGO_ERR_BUILTIN', 'could not parse byte amount to a number');
  throwsCode(t, () => call('units.parse_bytes', '1zb'), 'REGO_ERR_BUILTIN', 'byte unit zb not recognized');
  throwsCode(t, () => call('units.parse_bytes', '1e1234567'), 'REGO_ERR_BUILTIN', 'exponent too large');
  t.end();
});

t.test('units.parse', (t) => {
  t.equal(call('units.parse', '1G'), 1000000000);
  t.equal(call('units.parse', '128Gi'), 137438953472);
  // a fraction is json.Number(numRat.FloatString(10)): its text keeps ten decimals
  t.equal(j(call('units.parse', '500m')), '0.5000000000');
  t.equal(j(call('units.parse', '0.0005K')), '0.5000000000');
  t.equal(j(call('units.parse', '0.0000005M')), '0.5000000000');
  t.equal(j(call('units.parse', '1m')), '0.0010000000');
  t.equal(j(call('units.parse', '-0.25')), '-0.2500000000');
  t.equal(call('units.parse', '1M'), 1000000);
  t.equal(call('units.parse', '10E'), 10000000000000000000n);
  throwsCode(t, () => call('units.parse', 'G'), 'REGO_ERR_BUILTIN', 'units.parse: no amount provided');
  // OPA's texts carry the name and handleBuiltinErr adds it again
  throwsCode(t, () => call('units.parse', 'G'), 'REGO_ERR_BUILTIN', 'units.parse: units.parse: no amount provided');
  throwsCode(t, () => call('units.parse_bytes', 'kb'), 'REGO_ERR_BUILTIN', 'units.parse_bytes: units.parse_bytes: no byte amount provided');
  throwsCode(t, () => call('units.parse_bytes', '1zb'), 'REGO_ERR_BUILTIN', 'units.parse_bytes: units.parse_bytes: byte unit zb not recognized');
  throwsCode(t, () => call('units.parse', '1X'), 'REGO_ERR_BUILTIN', 'unit X not recognized');
  t.end();
});
