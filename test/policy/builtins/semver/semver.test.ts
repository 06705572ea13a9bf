/** units.parse / units.parse_bytes and semver. */
import t from 'tap';
import { call, throwsCode } from '../helpers.js';

t.test('semver', (t) => {
  t.equal(call('semver.is_valid', '1.0.0'), true);
  t.equal(call('semver.is_valid', '1.0.0-rc.1+build.5'), true);
  t.equal(call('semver.is_valid', '1'), false);
  t.equal(call('semver.is_valid', '01.0.0'), false);
  t.equal(call('semver.is_valid', 1), false);
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
