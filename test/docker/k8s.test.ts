// docker/k8s/, checked without a cluster: every object against the Kubernetes API schemas
// (kubernetes-models), every reference between objects, and regate's own view — its config
// passes `regate config check`, the probes hit real admin paths, the admin port is fenced.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { checkConfigFile } from '../../src/cli/config.js';
import { startAdminServer } from '../../src/gateway/admin/admin-server.js';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { loadUws } from '../../src/gateway/server/uws-loader.js';
import { TCP_RMEM_MITIGATION } from '../../src/cli/receive-buffer-check.js';
import { spawnRegate } from '../cli/spawn-regate.js';
import { parseDockerfile } from './compose-check.js';
import { checkManifests, isWorkload, loadKustomization, resolveServiceUrl, selected, type K8sObject, type Workload } from './k8s-check.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, 'docker', 'k8s');
const m = loadKustomization(dir);
const regate = m.objects.find((o): o is Workload => isWorkload(o) && o.metadata.name === 'regate')!;
const container = regate.spec.template.spec.containers.find((c) => c.name === 'regate')!;

/** The environment the regate container gets: Secret keys with stand-in values, $(VAR) expanded. */
function podEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) env[e.name] = `stand-in-${e.valueFrom.secretKeyRef.key.toLowerCase()}`;
    else env[e.name] = (e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, v: string) => env[v] ?? '');
  }
  return env;
}

/** regate.yaml as the pod sees it, with the image's /app/policies mapped to this checkout's policies/. */
function configText(): string {
  const text = readFileSync(join(dir, 'regate.yaml'), 'utf8');
  return text.replace('dir: /app/policies', `dir: ${JSON.stringify(join(root, 'policies'))}`);
}

async function modelFor(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  return mod[o.kind]!;
}

t.test('every object is valid against the Kubernetes API schema', async (t) => {
  t.ok(m.objects.length >= 10);
  for (const o of m.objects) {
    const Model = await modelFor(o);
    t.doesNotThrow(() => new Model(o).validate(), `${o.kind} ${o.metadata.name}`);
  }
  // the generated ConfigMap too
  const { ConfigMap } = await import('kubernetes-models/v1/ConfigMap');
  t.doesNotThrow(() => new ConfigMap({ metadata: { name: 'regate-config' }, data: { 'regate.yaml': readFileSync(join(dir, 'regate.yaml'), 'utf8') } }).validate());
});

t.test('the schema check can fail', async (t) => {
  const broken = structuredClone(regate) as Workload;
  (broken.spec.template.spec.containers[0]!.ports![0] as { containerPort: unknown }).containerPort = 'eighty';
  (broken.spec as { replicas: unknown }).replicas = 'two';
  const Model = await modelFor(broken);
  t.throws(() => new Model(broken).validate());
});

t.test('references hold: Services, Secrets and their keys, ConfigMaps, volumes, claims, ports, selectors', async (t) => {
  t.same(checkManifests(m), []);
  const kinds = new Set(m.objects.map((o) => o.kind));
  for (const k of ['StatefulSet', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) t.ok(kinds.has(k), k);
  t.ok(m.configMaps.has('regate-config') && m.secrets.has('regate-secrets'));
  t.ok(existsSync(join(dir, '.gitignore')) && readFileSync(join(dir, '.gitignore'), 'utf8').split('\n').includes('secrets.env'), 'secrets.env stays out of git');
  const example = readFileSync(join(dir, 'secrets.env.example'), 'utf8');
  t.notMatch(example, /^[A-Z_]+=\S/m, 'the example holds no values');
});

t.test('the reference checker can fail', async (t) => {
  const broken = loadKustomization(dir);
  const w = broken.objects.find((o): o is Workload => isWorkload(o) && o.metadata.name === 'regate')!;
  const c = w.spec.template.spec.containers[0]!;
  c.env!.push({ name: 'X', valueFrom: { secretKeyRef: { name: 'regate-secrets', key: 'NO_SUCH_KEY' } } });
  c.env!.push({ name: 'DB_PASSWORD', value: 'hunter2' });
  c.env!.push({ name: 'Y', value: '$(UNDEFINED)' });
  c.volumeMounts!.push({ name: 'ghost', mountPath: '/x' });
  c.readinessProbe!.httpGet!.port = 'nope';
  c.image = 'regate';
  w.spec.serviceName = 'missing';
  (broken.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'regate')!.spec as { ports: { targetPort: string }[] }).ports[0]!.targetPort = 'web';
  broken.objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'inline' }, stringData: { password: 'x' } });
  const errors = checkManifests(broken).join('\n');
  for (const want of [/no key NO_SUCH_KEY/, /DB_PASSWORD has a literal value/, /\$\(UNDEFINED\)/, /volume ghost/, /probe port nope/, /image regate has no fixed tag/, /serviceName missing/, /targets web/, /Secret inline has values inline/]) t.match(errors, want);
});

t.test('regate.yaml passes `regate config check` with the pod\'s environment', async (t) => {
  const env = podEnv();
  t.match(env.REDIS_URL, /^redis:\/\/:stand-in-redis_password@redis:6379$/, 'REDIS_URL is built from the Secret');
  // the image has the repository's policies/ at /app/policies (docker/Dockerfile, stage app)
  const df = parseDockerfile(readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8'));
  const app = df.stages.find((s) => s.name === 'app')!;
  t.ok(app.instructions.some((i) => i.op === 'WORKDIR' && i.args === '/app') && app.instructions.some((i) => i.op === 'COPY' && i.args === 'policies ./policies'));
  const tmp = mkdtempSync(join(tmpdir(), 'regate-k8s-'));
  const file = join(tmp, 'regate.yaml');
  writeFileSync(file, configText());
  t.same(await checkConfigFile(file, env), [], 'in-process');
  const r = await spawnRegate(['config', 'check', '--config', file], { env: { ...process.env, ...env } }).done;
  t.equal(r.code, 0, `the command: ${r.stderr}`);
  // and without the Secret's values it does not pass: nothing has a default
  const bare = await checkConfigFile(file, { REGATE_LOG_LEVEL: 'info' });
  t.same(bare.map((p) => p.key).sort(), ['credentials.car-basic.password', 'redis.url', 'tokens.introspection.client_secret']);
});

t.test('every address in regate.yaml is a Service port of the set; listen and admin ports are the container\'s', async (t) => {
  const config = loadConfigText(configText(), { file: 'regate.yaml', env: podEnv() });
  const urls = [...Object.values(config.upstreams).map((u) => u.url), String((config.tokens as { jwt: { jwks_uri: string } }).jwt.jwks_uri), String((config.tokens as { introspection: { endpoint: string } }).introspection.endpoint), String(config.redis?.url)];
  for (const u of urls) t.equal(resolveServiceUrl(m, u), undefined, u);
  const port = (name: string) => container.ports!.find((p) => p.name === name)!.containerPort;
  t.equal(config.listen.port, port('http'));
  t.equal(config.admin.port, port('admin'));
  t.equal(config.listen.host, '0.0.0.0');
});

t.test('probes hit the admin paths the admin server answers', async (t) => {
  const config = loadConfigText(configText(), { file: 'regate.yaml', env: podEnv() });
  const probes = { startup: container.startupProbe, readiness: container.readinessProbe, liveness: container.livenessProbe };
  for (const [kind, p] of Object.entries(probes)) {
    t.ok(p?.httpGet, `${kind} probe is an HTTP GET`);
    t.equal(p!.httpGet!.port, 'admin', `${kind} probe on the admin port`);
  }
  t.equal(probes.readiness!.httpGet!.path, '/readyz');
  t.equal(probes.liveness!.httpGet!.path, '/healthz');
  // the real admin server: each probe path is answered (200/503), not 404
  const admin = await startAdminServer({ host: '127.0.0.1', port: 0, build: loadUws().build, metrics: async () => ({ contentType: 'text/plain', body: '' }), workers: async () => [] });
  t.teardown(() => admin.close());
  for (const [kind, p] of Object.entries(probes)) {
    const res = await fetch(`http://127.0.0.1:${admin.port}${p!.httpGet!.path}`);
    t.not(res.status, 404, `${kind}: ${p!.httpGet!.path} is an admin path`);
  }
  t.equal(config.admin.port, 9901);
});

t.test('the admin port is fenced by a NetworkPolicy; the data port is open', async (t) => {
  const policies = m.objects.filter((o) => o.kind === 'NetworkPolicy' && selected(m, (o.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels).includes(regate));
  t.equal(policies.length, 1);
  const rules = (policies[0]!.spec as { policyTypes: string[]; ingress: { ports?: { port: number }[]; from?: unknown[] }[] });
  t.ok(rules.policyTypes.includes('Ingress'));
  t.ok(rules.ingress.every((r) => r.ports && r.ports.length > 0), 'no rule opens every port');
  const admin = rules.ingress.filter((r) => r.ports!.some((p) => p.port === 9901));
  t.ok(admin.length > 0 && admin.every((r) => Array.isArray(r.from) && r.from.length > 0), 'admin only from named peers');
  t.ok(rules.ingress.some((r) => r.ports!.some((p) => p.port === 8080)), 'data port admitted');
  // Redis is fenced too: only pods carrying the access label, which the gateway carries
  const redisPolicy = m.objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'redis')!;
  const from = (redisPolicy.spec as { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] }).ingress[0]!.from[0]!.podSelector.matchLabels;
  t.ok(selected(m, from).includes(regate), 'regate may reach Redis');
});

t.test('production shape: persistent spool, disruption budget, limits, non-root, the Node 24 sysctl', async (t) => {
  const config = loadConfigText(configText(), { file: 'regate.yaml', env: podEnv() });
  t.equal(regate.kind, 'StatefulSet');
  const claim = regate.spec.volumeClaimTemplates!.find((c) => container.volumeMounts!.some((vm) => vm.name === c.metadata.name && vm.mountPath === config.events?.spool_dir));
  t.ok(claim, 'the spool directory is a volume claim');
  const gi = Number(/^(\d+)Gi$/.exec(claim!.spec.resources.requests.storage)![1]) * 2 ** 30;
  t.ok(Number((config.events as { spool_max_bytes: number }).spool_max_bytes) < gi, 'the spool cap is below the volume size');
  const pdb = m.objects.find((o) => o.kind === 'PodDisruptionBudget')!;
  t.ok(selected(m, (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).includes(regate));
  t.ok((regate.spec.replicas ?? 1) >= 2, 'two gateways, so the budget can let one go');
  t.ok(container.resources?.requests?.cpu && container.resources.limits?.memory);
  const sc = regate.spec.template.spec.securityContext!;
  t.equal(sc.runAsNonRoot, true);
  t.equal(sc.runAsUser, 1000, "the image's node user");
  t.same(sc.sysctls, [{ name: 'net.ipv4.tcp_rmem', value: TCP_RMEM_MITIGATION }]);
});
