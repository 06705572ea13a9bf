// `policies.bundle`: the gateway runs what `opa build` writes (bundle.tar.gz with policy.wasm or
// plan.json), with the bundle's data, and reloads when the file is replaced.
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { request } from 'undici';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { startRegate } from '../../src/gateway/server/run.js';
import { compileToPlan } from '../../src/policy/index.js';
import { buildBundle, compileWasm, writeTar } from '../../src/policy/backend/wasm/index.js';
import { startUpstream } from './helpers.js';

const POLICY = (allowed: string) => `package gw
import rego.v1
default decision := false
decision if input.request.path in data.gw.allowed
decision if input.request.path == "${allowed}"
`;

async function planFor(allowed: string) {
  return compileToPlan([{ file: 'gw.rego', text: POLICY(allowed) }], { entrypoints: ['gw/decision'] });
}

for (const kind of ['wasm', 'plan'] as const) {
  t.test(`a ${kind} bundle from opa build decides for the gateway`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'regate-bundle-'));
    const file = join(dir, 'bundle.tar.gz');
    const data = { gw: { allowed: ['/echo/from-data'] } };
    const write = async (allowed: string) => {
      const plan = await planFor(allowed);
      const bytes =
        kind === 'wasm'
          ? buildBundle({ wasm: await compileWasm(plan), entrypoints: ['gw/decision'], data })
          : gzipSync(writeTar([{ name: '/plan.json', data: Buffer.from(JSON.stringify(plan)) }, { name: '/data.json', data: Buffer.from(JSON.stringify(data)) }]));
      await writeFile(file, bytes);
    };
    await write('/echo/a');
    const up = await startUpstream();
    const config = loadConfigText(
      `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams: { echo: { url: "${up.url}" } }
policies: { bundle: "${file}", engine: js }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, policy: gw/decision }
`,
      { file: 'bundle.yaml', env: {} },
    );
    const gw = await startRegate(config, pino({ level: 'silent' }));
    t.teardown(async () => {
      await gw.close();
      await up.close();
    });
    const status = async (path: string) => {
      const r = await request(`http://127.0.0.1:${gw.port}${path}`);
      await r.body.dump();
      return r.statusCode;
    };
    t.equal(await status('/echo/a'), 200, 'allowed by the rule');
    t.equal(await status('/echo/from-data'), 200, "allowed by the bundle's data.json");
    t.equal(await status('/echo/b'), 401, 'denied (401: a deny without a token, DESIGN.md)');
    await write('/echo/b'); // replace the bundle: the watcher reloads it
    let after = 0;
    for (let i = 0; i < 50 && after !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await status('/echo/b');
    }
    t.equal(after, 200, 'the replaced bundle is live');
  });
}

t.test('policies.dir and policies.bundle together are a config error naming the key', async (t) => {
  t.throws(
    () => loadConfigText(`upstreams: { u: { url: "http://127.0.0.1:1" } }\npolicies: { dir: ./p, bundle: ./b.tar.gz }\nroutes:\n  - { id: r, match: { path: /x }, upstream: u, policy: a/b }\n`, { file: 'c.yaml', env: {} }),
    { code: 'GW_ERR_CONFIG', key: /policies/ },
  );
});
