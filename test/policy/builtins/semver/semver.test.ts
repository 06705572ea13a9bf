/** units.parse / units.parse_bytes and semver. */
import t from 'tap';
import { call, throwsCode } from '../helpers.js';

t.test('semver', (t) => {
  t.equal(call('semver.is_valid', '1.0.0'), true);
  t.equal(call('semver.is_valid', '1.0.0-rc.1+build.5'), true);
  t.equal(call('semver.is_valid', '1'), false);
  t.equal(call('semver.is_valid', 1), false);
  t.end();
});

// OPA's internal/semver Parse reads each of major.minor.patch with strconv.ParseInt and drops
// one leading `v`: leading zeros are fine (AWS Aurora's `8.0.mysql_aurora.3.01.0` carries
// `3.01.0`), an empty pre-release or metadata part is fine, an int64 overflow is not.
t.test('semver: OPA Parse leniency', (t) => {
  t.equal(call('semver.is_valid', '01.0.0'), true);
  t.equal(call('semver.is_valid', '3.01.0'), true);
  t.equal(call('semver.is_valid', 'v1.2.3'), true);
  t.equal(call('semver.is_valid', 'vv1.2.3'), false);
  t.equal(call('semver.is_valid', '1.2.3-'), true);
  t.equal(call('semver.is_valid', '1.2.3+'), true);
  t.equal(call('semver.is_valid', '1.2.3-01.a-b'), true);
  t.equal(call('semver.is_valid', '1.2.3-a..b'), false);
  t.equal(call('semver.is_valid', '1.2.3-a_b'), false);
  t.equal(call('semver.is_valid', '-1.2.3'), false);
  t.equal(call('semver.is_valid', '1.2.3.4'), false);
  t.equal(call('semver.is_valid', ' 1.2.3'), false);
  t.equal(call('semver.is_valid', '1.2.9223372036854775807'), true);
  t.equal(call('semver.is_valid', '1.2.9223372036854775808'), false);
  t.equal(call('semver.compare', '3.01.0', '3.02.0'), -1);
  t.equal(call('semver.compare', '3.01.0', '3.1.0'), 0);
  t.equal(call('semver.compare', 'v2.0.0', '1.9.9'), 1);
  t.equal(call('semver.compare', '1.0.0-', '1.0.0'), 0);
  t.equal(call('semver.compare', '1.0.0', '2.0.0'), -1);
  t.equal(call('semver.compare', '1.0.0', '1.0.0+meta'), 0);
  t.equal(call('semver.compare', '1.0.0-alpha', '1.0.0'), -1);
  t.equal(call('semver.compare', '1.0.0-alpha.1', '1.0.0-alpha.beta'), -1);
  t.equal(call('semver.compare', '1.0.0-rc.11', '1.0.0-rc.2'), 1);
  t.equal(call('semver.compare', '10.0.0', '9.99.99'), 1);
  throwsCode(t, () => call('semver.compare', '1', '1.0.0'), 'REGO_ERR_BUILTIN', 'semver.compare: operand 1: string "1" is not a valid SemVer');
  throwsCode(t, () => call('semver.compare', '1.0.0', '1'), 'REGO_ERR_BUILTIN', 'operand 2: string "1" is not a valid SemVer');
  t.end();
});
