// Helpers of test/docker/static.test.ts: a Docker Compose reference checker and a small
// Dockerfile reader (instructions per stage, line continuations joined). Not a full implementation
// of either format — enough to check what our files use.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
}
export interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
export interface Dockerfile {
  args: Record<string, string>;
  stages: Array<{ name: string; from: string; instructions: Array<{ op: string; args: string }> }>;
}

/** Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$` escapes, from `env`. */
export function interpolate(s: string, env: Record<string, string | undefined>): string {
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (m, name: string | undefined, op: string | undefined, def: string | undefined) => {
    if (m === '$$') return '$';
    const v = env[name!];
    if (op === ':-') return v ? v : (def ?? '');
    if (op === '-') return v === undefined ? (def ?? '') : v;
    return v ?? '';
  });
}

/** A service's environment as the container sees it (compose interpolation from the host's `hostEnv`). */
export function composeEnv(environment: Record<string, unknown>, hostEnv: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(environment)) out[k] = interpolate(String(v ?? ''), hostEnv);
  return out;
}

export function parseDockerfile(text: string): Dockerfile {
  const lines: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // comment lines inside a continuation are dropped by Docker too
    if (line.endsWith('\\')) cur += line.slice(0, -1) + ' ';
    else {
      lines.push(cur + line);
      cur = '';
    }
  }
  const out: Dockerfile = { args: {}, stages: [] };
  for (const l of lines) {
    const sp = l.indexOf(' ');
    const op = l.slice(0, sp).toUpperCase();
    const args = l.slice(sp + 1).trim();
    if (op === 'ARG' && out.stages.length === 0) {
      const [k, v] = args.split('=', 2);
      out.args[k!] = v ?? '';
    } else if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`bad FROM: ${args}`);
      out.stages.push({ name: m[2] ?? String(out.stages.length), from: interpolate(m[1]!, out.args), instructions: [] });
    } else {
      const stage = out.stages.at(-1);
      if (!stage) throw new Error(`${op} before FROM`);
      stage.instructions.push({ op, args });
    }
  }
  return out;
}

/** Every broken reference in `compose` (empty when it holds together). `dir` is the compose file's directory. */
export function checkCompose(compose: Compose, dir: string, dockerfile: Dockerfile): string[] {
  const errors: string[] = [];
  const services = compose.services ?? {};
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const stages = new Set(dockerfile.stages.map((s) => s.name));
  for (const [name, s] of Object.entries(services)) {
    if (!s.image && !s.build) errors.push(`${name}: neither image nor build`);
    if (s.build) {
      const ctx = join(dir, s.build.context);
      if (!existsSync(ctx)) errors.push(`${name}: build context ${s.build.context} missing`);
      if (!existsSync(join(ctx, s.build.dockerfile ?? 'Dockerfile'))) errors.push(`${name}: dockerfile ${s.build.dockerfile} missing`);
      if (s.build.target && !stages.has(s.build.target)) errors.push(`${name}: build target ${s.build.target} is not a Dockerfile stage`);
    }
    const deps = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }])) : (s.depends_on ?? {});
    for (const [dep, { condition }] of Object.entries(deps)) {
      if (!services[dep]) errors.push(`${name}: depends_on ${dep}, which is not a service`);
      else if (condition === 'service_healthy' && !services[dep]!.healthcheck) errors.push(`${name}: waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
    }
    for (const v of s.volumes ?? []) {
      const [src] = v.split(':');
      if (src!.startsWith('.') || src!.startsWith('/')) {
        if (!existsSync(join(dir, src!))) errors.push(`${name}: bind mount ${src} missing`);
      } else if (!declared.has(src!)) errors.push(`${name}: volume ${src} is not declared under volumes:`);
    }
    for (const p of s.ports ?? []) {
      if (!/^(?:(?:\d{1,3}\.){3}\d{1,3}:)?(?:\d+:)?\d+(?:\/(?:tcp|udp))?$/.test(String(p))) errors.push(`${name}: port ${p} is not [ip:]host:container`);
    }
    if (s.healthcheck && !(Array.isArray(s.healthcheck.test) && /^(CMD|CMD-SHELL)$/.test(s.healthcheck.test[0] ?? ''))) errors.push(`${name}: healthcheck test must be ["CMD", …] or ["CMD-SHELL", …]`);
  }
  return errors;
}
