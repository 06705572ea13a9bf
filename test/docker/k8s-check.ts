/**
 * Static checks of a kustomization (docker/k8s/): these machines have no cluster, so what `kubectl
 * apply -k` would resolve is checked here — references between objects, ports, selectors,
 * secrets only by reference. Schema validation is kubernetes-models' (the API's OpenAPI schemas).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// The shapes these checks read (a subset of the API types; schema validation covers the rest).
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
export interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Probe {
  httpGet?: { path: string; port: number | string };
  exec?: { command: string[] };
}
export interface PodSpec {
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string }; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; sysctls?: { name: string; value: string }[] };
}
export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    serviceName?: string;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[];
  };
}
export interface Kustomization {
  resources: string[];
  configMapGenerator?: { name: string; files?: string[]; envs?: string[] }[];
  secretGenerator?: { name: string; files?: string[]; envs?: string[] }[];
}

export interface Manifests {
  dir: string;
  kustomization: Kustomization;
  /** the objects of every resource file, in order */
  objects: K8sObject[];
  /** generated objects: name → keys (ConfigMap keys are file names; Secret keys come from the env files' `.example`) */
  configMaps: Map<string, string[]>;
  secrets: Map<string, string[]>;
}

/** Reads a kustomization the way `kubectl apply -k` would, without a cluster. */
export function loadKustomization(dir: string): Manifests {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const objects: K8sObject[] = [];
  for (const file of kustomization.resources) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const v = doc.toJS() as K8sObject | null;
      if (v) objects.push(v);
    }
  }
  const envKeys = (f: string) =>
    readFileSync(join(dir, existsSync(join(dir, f)) ? f : f + '.example'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
      .map((l) => l.slice(0, l.indexOf('=')));
  const generated = (gens: Kustomization['configMapGenerator']) =>
    new Map((gens ?? []).map((g) => [g.name, [...(g.files ?? []).map((f) => f.split('=')[0]!.split('/').at(-1)!), ...(g.envs ?? []).flatMap(envKeys)]]));
  return { dir, kustomization, objects, configMaps: generated(kustomization.configMapGenerator), secrets: generated(kustomization.secretGenerator) };
}

export const isWorkload = (o: K8sObject): o is Workload => o.kind === 'Deployment' || o.kind === 'StatefulSet';

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The workloads whose pods a selector picks. */
export function selected(m: Manifests, selector: Record<string, string> | undefined): Workload[] {
  return m.objects.filter(isWorkload).filter((w) => matches(selector, w.spec.template.metadata.labels));
}

/** Every broken reference (empty when the set holds together). */
export function checkManifests(m: Manifests): string[] {
  const errors: string[] = [];
  const byKind = (kind: string) => m.objects.filter((o) => o.kind === kind);
  for (const file of m.kustomization.resources) if (!existsSync(join(m.dir, file))) errors.push(`kustomization: resource ${file} does not exist`);
  for (const g of [...(m.kustomization.configMapGenerator ?? []), ...(m.kustomization.secretGenerator ?? [])]) {
    for (const f of g.files ?? []) if (!existsSync(join(m.dir, f.split('=').at(-1)!))) errors.push(`generator ${g.name}: file ${f} does not exist`);
    for (const f of g.envs ?? []) if (!existsSync(join(m.dir, f)) && !existsSync(join(m.dir, f + '.example'))) errors.push(`generator ${g.name}: ${f} (or ${f}.example) does not exist`);
  }
  // secrets only by reference: no Secret object carries values in the repository
  for (const s of byKind('Secret')) if (s.data || s.stringData) errors.push(`Secret ${s.metadata.name} has values inline`);

  const secretKeys = (name: string) => m.secrets.get(name) ?? (byKind('Secret').some((s) => s.metadata.name === name) ? null : undefined);
  for (const w of m.objects.filter(isWorkload)) {
    const where = `${w.kind} ${w.metadata.name}`;
    const pod = w.spec.template.spec;
    if (!matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels)) errors.push(`${where}: selector does not match its pod labels`);
    if (w.kind === 'StatefulSet') {
      const svc = byKind('Service').find((s) => s.metadata.name === w.spec.serviceName);
      if (!svc) errors.push(`${where}: serviceName ${w.spec.serviceName} is not a Service`);
      else if (!selected(m, (svc.spec as { selector?: Record<string, string> }).selector).includes(w)) errors.push(`${where}: Service ${svc.metadata.name} does not select it`);
    }
    const volumes = new Set([...(pod.volumes ?? []).map((v) => v.name), ...(w.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name)]);
    for (const v of pod.volumes ?? []) {
      if (v.configMap && !m.configMaps.has(v.configMap.name) && !byKind('ConfigMap').some((c) => c.metadata.name === v.configMap!.name)) errors.push(`${where}: volume ${v.name}: ConfigMap ${v.configMap.name} is not defined`);
      if (v.secret && secretKeys(v.secret.secretName) === undefined) errors.push(`${where}: volume ${v.name}: Secret ${v.secret.secretName} is not defined`);
      if (v.persistentVolumeClaim && !byKind('PersistentVolumeClaim').some((c) => c.metadata.name === v.persistentVolumeClaim!.claimName)) errors.push(`${where}: volume ${v.name}: PersistentVolumeClaim ${v.persistentVolumeClaim.claimName} is not defined`);
    }
    for (const c of pod.containers) {
      const cw = `${where} container ${c.name}`;
      for (const vm of c.volumeMounts ?? []) if (!volumes.has(vm.name)) errors.push(`${cw}: mounts volume ${vm.name}, which is not defined`);
      if (!/^[^:@]+(:[^:]+|@sha256:[0-9a-f]{64})$/.test(c.image) || c.image.endsWith(':latest')) errors.push(`${cw}: image ${c.image} has no fixed tag`);
      if (!c.resources?.requests?.memory || !c.resources.limits?.memory) errors.push(`${cw}: no memory request and limit`);
      const defined = new Set<string>();
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const keys = secretKeys(ref.name);
          if (keys === undefined) errors.push(`${cw}: env ${e.name}: Secret ${ref.name} is not defined`);
          else if (keys !== null && !keys.includes(ref.key)) errors.push(`${cw}: env ${e.name}: Secret ${ref.name} has no key ${ref.key}`);
        }
        const cref = e.valueFrom?.configMapKeyRef;
        if (cref && !(m.configMaps.get(cref.name) ?? []).includes(cref.key)) errors.push(`${cw}: env ${e.name}: ConfigMap ${cref.name} has no key ${cref.key}`);
        for (const [, v] of (e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) if (!defined.has(v!)) errors.push(`${cw}: env ${e.name} uses $(${v}), which is not defined before it`);
        // a literal value for something named like a secret is a secret in the repository
        if (e.value !== undefined && /PASSWORD|SECRET|TOKEN|API_?KEY/i.test(e.name) && !/\$\(/.test(e.value)) errors.push(`${cw}: env ${e.name} has a literal value; take it from a Secret`);
        if (e.value !== undefined && /:\/\/[^:/@]*:[^@$]+@/.test(e.value)) errors.push(`${cw}: env ${e.name} holds a URL with a literal password`);
        defined.add(e.name);
      }
      for (const ef of c.envFrom ?? []) if (ef.secretRef && secretKeys(ef.secretRef.name) === undefined) errors.push(`${cw}: envFrom Secret ${ef.secretRef.name} is not defined`);
      const portNames = new Set((c.ports ?? []).flatMap((p) => (p.name ? [p.name] : [])));
      const portNumbers = new Set((c.ports ?? []).map((p) => p.containerPort));
      for (const [kind, probe] of [['readiness', c.readinessProbe], ['liveness', c.livenessProbe], ['startup', c.startupProbe]] as const) {
        const port = probe?.httpGet?.port;
        if (port !== undefined && !(typeof port === 'string' ? portNames.has(port) : portNumbers.has(port))) errors.push(`${cw}: ${kind} probe port ${port} is not a container port`);
      }
    }
  }
  for (const s of byKind('Service')) {
    const spec = s.spec as { selector?: Record<string, string>; ports: { name?: string; port: number; targetPort?: number | string }[] };
    const pods = selected(m, spec.selector);
    if (pods.length === 0) {
      errors.push(`Service ${s.metadata.name}: selects no workload`);
      continue;
    }
    for (const p of spec.ports) {
      const target = p.targetPort ?? p.port;
      const ok = pods.some((w) => w.spec.template.spec.containers.some((c) => (c.ports ?? []).some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target))));
      if (!ok) errors.push(`Service ${s.metadata.name}: port ${p.name ?? p.port} targets ${target}, which no selected container exposes`);
    }
  }
  for (const o of [...byKind('PodDisruptionBudget'), ...byKind('NetworkPolicy')]) {
    const sel = o.kind === 'NetworkPolicy' ? (o.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels : (o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    if (selected(m, sel).length === 0) errors.push(`${o.kind} ${o.metadata.name}: selects no workload`);
  }
  return errors;
}

/** `http://demo-apis:8081` → the Service and port it reaches, or why not. */
export function resolveServiceUrl(m: Manifests, url: string): string | undefined {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : u.protocol.startsWith('redis') ? 6379 : 80));
  const svc = m.objects.find((o) => o.kind === 'Service' && o.metadata.name === u.hostname);
  if (!svc) return `${url}: no Service ${u.hostname}`;
  if (!(svc.spec as { ports: { port: number }[] }).ports.some((p) => p.port === port)) return `${url}: Service ${u.hostname} has no port ${port}`;
  return undefined;
}
