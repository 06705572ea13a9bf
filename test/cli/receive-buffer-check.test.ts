import t from 'tap';
import { checkReceiveBuffer, TCP_RMEM_MITIGATION } from '../../src/cli/receive-buffer-check.js';
import { pauseHolds } from '../../src/gateway/server/uws-loader.js';

const node24Build = { pausable: pauseHolds('20.56.0'), package: '@btc-vision/uwebsockets.js', version: '20.56.0' };
const node20Build = { pausable: pauseHolds('20.30.0'), package: '@trufflesuite/uws-js-unofficial', version: '20.30.0' };

t.test('warns for the 20.56 build when the receive buffer can exceed its read buffer', async (t) => {
  t.equal(node24Build.pausable, false);
  const w = checkReceiveBuffer(node24Build, () => '4096\t131072\t33554432\n');
  t.match(w, /net\.ipv4\.tcp_rmem/);
  t.ok(w!.includes(TCP_RMEM_MITIGATION), 'says what to set');
});

t.test('quiet with the mitigation, with a build that holds pauses, and without /proc', async (t) => {
  t.equal(checkReceiveBuffer(node24Build, () => TCP_RMEM_MITIGATION), undefined);
  t.equal(checkReceiveBuffer(node20Build, () => '4096 131072 33554432'), undefined);
  t.equal(
    checkReceiveBuffer(node24Build, () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    }),
    undefined,
  );
});

t.test('the mitigation value is what compose and the k8s manifests set', async (t) => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = new URL('../..', import.meta.url).pathname;
  t.match(readFileSync(join(root, 'docker/compose.yaml'), 'utf8'), `net.ipv4.tcp_rmem: "${TCP_RMEM_MITIGATION}"`);
  const k8s = readdirSync(join(root, 'docker/k8s')).map((f) => readFileSync(join(root, 'docker/k8s', f), 'utf8')).join('\n');
  t.match(k8s, new RegExp(`name: net\\.ipv4\\.tcp_rmem\\s*\\n\\s*value: "${TCP_RMEM_MITIGATION}"`));
  // and the README's mitigation
  t.ok(readFileSync(join(root, 'README.md'), 'utf8').includes(TCP_RMEM_MITIGATION));
});
