// The README's configuration example is what newcomers copy: it must pass regate's own validation.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/gateway/config/load.js';

t.test('the README configuration example validates', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(yaml, 'the Configuration section has a yaml block');
  const env = { CAR_PASSWORD: 'x', ORDERS_HMAC_SECRET: 'a-long-enough-shared-secret', GW_SECRET: 'y' };
  const config = loadConfigText(yaml as string, { file: 'README.md', env });
  t.equal(config.routes[0]?.policy, 'insurance/decision');
  t.equal(config.upstreams.car?.pool.connections, 64);
});
