// Static checks of docker/ (these machines have no Docker engine): the compose file parses and its
// references hold (services, volumes, bind mounts, build targets, healthchecks, ports), every file
// the Dockerfile COPYs exists, and the gateway config the container would run passes regate's own
// validation and its policy entrypoints compile.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { loadPolicyBundle } from '../../src/policy/index.js';
import { checkCompose, composeEnv, interpolate, parseDockerfile, type Compose } from './compose-check.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerDir = join(root, 'docker');
const composeText = readFileSync(join(dockerDir, 'compose.yaml'), 'utf8');
const compose = parse(composeText, { merge: true }) as Compose;
const dockerfile = parseDockerfile(readFileSync(join(dockerDir, 'Dockerfile'), 'utf8'));

t.test('compose.yaml references hold', async (t) => {
  t.same(checkCompose(compose, dockerDir, dockerfile), []);
  for (const s of ['redis', 'regate', 'token-server', 'demo-apis', 'audit-consumer']) t.ok(compose.services[s], `service ${s}`);
});

t.test('the checker catches broken references (it can fail)', async (t) => {
  const broken = parse(composeText, { merge: true }) as Compose;
  broken.services.regate!.depends_on = { redis: { condition: 'service_healthy' }, 'token-server': { condition: 'service_healthy' }, 'no-such-service': { condition: 'service_started' } };
  broken.services.regate!.volumes = ['./missing.yaml:/etc/regate/regate.yaml:ro', 'undeclared:/data'];
  broken.services['audit-consumer']!.build = { context: '..', dockerfile: 'docker/Dockerfile', target: 'nope' };
  delete broken.services['token-server']!.healthcheck;
  const errors = checkCompose(broken, dockerDir, dockerfile).join('\n');
  t.match(errors, /no-such-service/);
  t.match(errors, /missing\.yaml/);
  t.match(errors, /undeclared/);
  t.match(errors, /target nope/);
  t.match(errors, /waits for token-server to be healthy, but token-server has no healthcheck/);
});

t.test('compose runs the default runtime image with the Node 24 receive-buffer cap', async (t) => {
  const regate = compose.services.regate! as { build?: { target?: string }; sysctls?: Record<string, string> };
  t.equal(regate.build?.target, 'runtime');
  t.equal(regate.sysctls?.['net.ipv4.tcp_rmem'], '4096 131072 458752', 'below uWS 20.56\'s 512 KiB read buffer');
});

t.test('redis keeps what BullMQ writes: AOF every second, noeviction', async (t) => {
  const cmd = (compose.services.redis!.command as string[]).join(' ');
  t.match(cmd, /--appendonly yes/);
  t.match(cmd, /--appendfsync everysec/);
  t.match(cmd, /--maxmemory-policy noeviction/);
  t.ok(compose.services.redis!.volumes?.some((v) => v.endsWith(':/data')), 'AOF on a volume');
});

/** A stage's instructions with those of the stages it is built FROM (what the image inherits). */
function effective(name: string): Array<{ op: string; args: string }> {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  const base = dockerfile.stages.some((s) => s.name === stage.from) ? effective(stage.from) : [];
  return [...base, ...stage.instructions];
}

t.test('Dockerfile: Node 24 on Debian 13, COPY sources exist, exec forms are JSON', async (t) => {
  // glibc >= 2.38 for the official uWS binaries: Debian 13 "trixie" has 2.41
  t.match(dockerfile.args.NODE_IMAGE ?? '', /^node:24-trixie-slim$/);
  const names = dockerfile.stages.map((s) => s.name);
  t.same(names, ['prod-deps-all', 'prod-deps', 'prod-deps-wasm', 'builder', 'devtools', 'app', 'runtime-wasm', 'runtime']);
  for (const stage of dockerfile.stages) {
    for (const ins of stage.instructions.filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))) {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) t.ok(existsSync(join(root, src)), `${stage.name}: COPY ${src} exists`);
    }
    for (const ins of stage.instructions.filter((i) => i.op === 'COPY' && /--from=/.test(i.args))) {
      const from = /--from=(\S+)/.exec(ins.args)![1]!;
      t.ok(names.indexOf(from) >= 0 && names.indexOf(from) < names.indexOf(stage.name), `${stage.name}: COPY --from=${from} is an earlier stage`);
    }
    if (names.includes(stage.from)) t.ok(names.indexOf(stage.from) < names.indexOf(stage.name), `${stage.name}: FROM ${stage.from} is an earlier stage`);
  }
  // exec-form instructions must be valid JSON arrays, else Docker silently runs them through a shell
  for (const stage of dockerfile.stages) {
    for (const ins of stage.instructions) {
      const json = ins.op === 'HEALTHCHECK' ? /\bCMD\s+(\[.*\])$/.exec(ins.args)?.[1] : ['CMD', 'ENTRYPOINT'].includes(ins.op) ? ins.args : undefined;
      if (json === undefined) continue;
      const v = JSON.parse(json) as unknown;
      t.ok(Array.isArray(v) && v.every((x) => typeof x === 'string'), `${stage.name}: ${ins.op} is a JSON string array`);
    }
  }
});

t.test('Dockerfile: reproducible installs (npm ci from the lockfile), never npm install', async (t) => {
  const runs = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
  t.notOk(runs.some((r) => /npm (install|i)\b/.test(r)), 'no npm install');
  t.ok(effective('prod-deps-all').some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)), 'production deps: npm ci --omit=dev');
  t.notOk(runs.some((r) => /--omit=optional|--no-optional/.test(r)), 'optional deps (the official uWS build) are installed');
  t.ok(effective('builder').some((i) => i.op === 'RUN' && /npm ci\b/.test(i.args)), 'builder: npm ci');
  t.ok(effective('builder').some((i) => i.op === 'RUN' && /npm run build/.test(i.args)), 'builder: npm run build');
  const copiesBeforeCi = dockerfile.stages.find((s) => s.name === 'prod-deps-all')!.instructions.findIndex((i) => i.op === 'COPY' && /package-lock\.json/.test(i.args));
  t.ok(copiesBeforeCi >= 0, 'the lockfile is copied in for npm ci');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
  t.ok(pkg.scripts.build, 'package.json has the build script the builder runs');
});

t.test('Dockerfile: the runtime images are pruned, non-root, with a healthcheck, and load the official uWS build', async (t) => {
  t.equal(dockerfile.stages.at(-1)!.name, 'runtime', 'the default (last) stage is the runtime image');
  for (const [name, deps, engine] of [['runtime', 'prod-deps', 'js'], ['runtime-wasm', 'prod-deps-wasm', 'wasm']] as const) {
    const ins = effective(name);
    const user = ins.filter((i) => i.op === 'USER').at(-1);
    t.ok(user && !/^(root|0)(:|$)/.test(user.args), `${name} runs as a non-root user`);
    t.match(ins.find((i) => i.op === 'HEALTHCHECK')?.args ?? '', /\/healthz/, `${name}: healthcheck on the admin /healthz`);
    t.notOk(ins.some((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args)), `${name} installs nothing itself`);
    t.ok(ins.some((i) => i.op === 'COPY' && new RegExp(`--from=${deps} .*node_modules`).test(i.args)), `${name}: node_modules from ${deps}`);
    t.ok(effective(deps).some((i) => i.op === 'RUN' && new RegExp(`prune-node-modules\\.mjs --engine ${engine}\\b`).test(i.args)), `${deps}: pruned for engine ${engine}`);
  }
  t.ok(effective('runtime-wasm').some((i) => i.op === 'ENV' && /REGATE_ENGINE=wasm/.test(i.args)), 'the wasm image selects the engine its config reads');
  // the official uWS build (20.56+, Node 24's ABI) is what the Node 24 image loads
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string>; engines: { node: string } };
  t.ok(pkg.optionalDependencies?.['@btc-vision/uwebsockets.js'] ?? pkg.dependencies['@btc-vision/uwebsockets.js'], 'the official uWS build is a dependency');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const locked = lock.packages['node_modules/@btc-vision/uwebsockets.js']?.version ?? '0';
  const [maj = 0, min = 0] = locked.split('.').map(Number);
  t.ok(maj > 20 || (maj === 20 && min >= 56), `locked official uWS ${locked} has Node 24 binaries (>= 20.56)`);
  t.match(pkg.engines.node, /\b24\b/, 'engines names Node 24');
});
t.test('devtools commands name files that the devtools stage copies', async (t) => {
  const devtools = dockerfile.stages.find((s) => s.name === 'devtools')!;
  const copied = devtools.instructions.filter((i) => i.op === 'COPY').map((i) => i.args.split(/\s+/)[0]!);
  for (const name of ['token-server', 'demo-apis', 'audit-consumer']) {
    const cmd = compose.services[name]!.command as string[];
    const file = cmd.find((a) => /\.(ts|mjs|js)$/.test(a))!;
    t.ok(existsSync(join(root, file)), `${name}: ${file} exists`);
    t.ok(copied.some((c) => file === c || file.startsWith(c.replace(/\/?$/, '/'))), `${name}: ${file} is copied into devtools`);
  }
});

t.test('the gateway config the container runs passes regate validation and points at compose services', async (t) => {
  const regate = compose.services.regate!;
  const mount = regate.volumes!.find((v) => v.includes(':/etc/regate/regate.yaml'))!;
  const file = join(dockerDir, mount.split(':')[0]!);
  const env = composeEnv(regate.environment ?? {}, {});
  const config = loadConfigText(readFileSync(file, 'utf8'), { file, env });
  t.equal(config.listen.host, '0.0.0.0', 'listens on the container network');
  const ports = (regate.ports ?? []).map((p) => Number(String(p).split(':').at(-1)));
  t.ok(ports.includes(config.listen.port), `listen port ${config.listen.port} is published`);
  t.ok(ports.includes(config.admin.port), `admin port ${config.admin.port} is published`);
  t.match(regate.healthcheck?.test.join(' ') ?? '', new RegExp(`:${config.admin.port}/healthz`));
  const services = new Set(Object.keys(compose.services));
  const demoPorts = new Set(readFileSync(join(dockerDir, 'demo-apis.mjs'), 'utf8').match(/\?\? (\d+)\)/g)!.map((m) => Number(/\d+/.exec(m)![0])));
  for (const [name, up] of Object.entries(config.upstreams)) {
    const u = new URL(up.url);
    t.ok(services.has(u.hostname), `upstream ${name} host ${u.hostname} is a service`);
    t.ok(demoPorts.has(Number(u.port)), `upstream ${name} port ${u.port} is one demo-apis listens on`);
  }
  const jwks = new URL((config.tokens as { jwt: { jwks_uri: string } }).jwt.jwks_uri);
  t.equal(jwks.hostname, 'token-server');
  t.ok((compose.services['token-server']!.command as string[]).join(' ').includes(`--port ${jwks.port}`), 'token server listens where jwks_uri points');
  t.equal(new URL(String(config.redis?.url)).hostname, 'redis');
  // the car API's password and the gateway's credential come from the same compose variable
  t.equal(env.DEMO_CAR_PASSWORD, composeEnv(compose.services['demo-apis']!.environment ?? {}, {}).DEMO_CAR_PASSWORD);
  t.equal(env.TOKEN_SERVER_GATEWAY_SECRET, composeEnv(compose.services['token-server']!.environment ?? {}, {}).TOKEN_SERVER_GATEWAY_SECRET);
  // policies.dir is /app/policies in the image, a COPY of the repo's policies/: the routes' entrypoints must compile from it
  t.equal(config.policies?.dir, '/app/policies');
  const entrypoints = [...new Set(config.routes.map((r) => r.policy).filter((p): p is string => typeof p === 'string'))];
  const bundle = await loadPolicyBundle({ dir: join(root, 'policies'), entrypoints, engine: 'js' });
  t.same([...bundle.entrypoints], entrypoints);
  t.ok(statSync(join(root, 'policies')).isDirectory());
});

t.test('the config fails validation when a secret is missing from the compose environment', async (t) => {
  const file = join(dockerDir, 'regate.compose.yaml');
  const env = composeEnv(compose.services.regate!.environment ?? {}, {});
  delete env.DEMO_CAR_PASSWORD;
  t.throws(() => loadConfigText(readFileSync(file, 'utf8'), { file, env }), { name: 'ConfigError' });
});

t.test('compose interpolation: defaults and overrides', async (t) => {
  t.equal(interpolate('${A:-x}', {}), 'x');
  t.equal(interpolate('${A:-x}', { A: 'y' }), 'y');
  t.equal(interpolate('${A:-x}', { A: '' }), 'x');
  t.equal(interpolate('${A-x}', { A: '' }), '');
  t.equal(interpolate('$$A ${B}', { B: 'b' }), '$A b');
});

// docker/k8s/ has its own checks: test/docker/k8s.test.ts

t.test('docker/demo-apis.mjs serves the four demo APIs; car requires the gateway credentials', async (t) => {
  const { spawn } = await import('node:child_process');
  const env = { ...process.env, DEMO_CAR_PASSWORD: 'pw-' + process.pid, DEMO_HOST: '127.0.0.1', DEMO_CAR_PORT: '0', DEMO_HOME_PORT: '0', DEMO_ORDERS_PORT: '0', DEMO_MOBILE_PORT: '0' };
  const child = spawn(process.execPath, [join(dockerDir, 'demo-apis.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGTERM'));
  const ports = await new Promise<Record<string, number>>((done, fail) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const found = Object.fromEntries([...out.matchAll(/demo api (\w+) on :(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
      if (Object.keys(found).length === 4) done(found);
    });
    child.once('exit', (code) => fail(new Error(`demo-apis exited ${code}`)));
  });
  t.same(Object.keys(ports).sort(), ['car', 'home', 'mobile', 'orders']);
  const get = (port: number, auth?: string) => fetch(`http://127.0.0.1:${port}/x`, { headers: auth ? { authorization: auth } : {} });
  t.equal((await get(ports.car!)).status, 401);
  const ok = await get(ports.car!, 'Basic ' + Buffer.from(`gateway:${env.DEMO_CAR_PASSWORD}`).toString('base64'));
  t.equal(ok.status, 200);
  t.equal(((await ok.json()) as { api: string }).api, 'car');
  t.equal((await get(ports.home!)).status, 200);
});
