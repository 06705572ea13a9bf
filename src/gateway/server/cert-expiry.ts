/**
 * `regate_tls_certificate_expiry_seconds`: when each certificate regate loaded stops being valid
 * (its notAfter, as a unix time), so an alert can fire weeks before a listener, an SNI name or a
 * client certificate expires (`regate_tls_certificate_expiry_seconds - time() < 14 * 86400`).
 *
 * Labels are bounded by the config: `kind` is one of listener | sni | upstream | token_server |
 * decision_logs, `name` the SNI name, upstream name or config key (`tokens.jwt`,
 * `credentials.<name>`, `decision_logs.service`); the listener's name is `default`. For a chain
 * file the first certificate (the leaf) is the one that expires the connection.
 *
 * The values are read at start-up and again after a successful SIGHUP reload (run.ts) for what
 * a reload re-reads: the listener, its SNI certificates, the upstreams' and the token servers'
 * client certificates. The decision-log client reads its files once, at start, and so does this.
 *
 * @example
 * const certs = registerCertExpiry(registry, config, logger);
 * await gw.reloadTls(); certs.refresh();
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';

type Kind = 'listener' | 'sni' | 'upstream' | 'token_server' | 'decision_logs';
/** what a SIGHUP reload re-reads (the token-server clients too, when their reload succeeded) */
const RELOADED: ReadonlySet<Kind> = new Set(['listener', 'sni', 'upstream']);
const RELOADED_ALL: ReadonlySet<Kind> = new Set(['listener', 'sni', 'upstream', 'token_server']);

interface CertRef {
  kind: Kind;
  name: string;
  file: string;
}

/** Every certificate file the config names, with its labels. */
export function certificatesOf(config: GatewayConfig): CertRef[] {
  const out: CertRef[] = [];
  const tls = config.listen.tls;
  if (tls) {
    out.push({ kind: 'listener', name: 'default', file: tls.cert_file });
    for (const [name, e] of Object.entries(tls.sni ?? {})) out.push({ kind: 'sni', name, file: e.cert_file });
  }
  for (const [name, u] of Object.entries(config.upstreams)) if (u.tls?.cert_file !== undefined) out.push({ kind: 'upstream', name, file: u.tls.cert_file });
  for (const k of ['jwt', 'introspection'] as const) {
    const f = config.tokens[k]?.tls?.cert_file;
    if (f !== undefined) out.push({ kind: 'token_server', name: `tokens.${k}`, file: f });
  }
  for (const [name, c] of Object.entries(config.credentials)) {
    const f = (c.tls as { cert_file?: unknown } | undefined)?.cert_file;
    if (typeof f === 'string') out.push({ kind: 'token_server', name: `credentials.${name}`, file: f });
  }
  const dl = config.decision_logs.service?.tls?.cert_file;
  if (dl !== undefined) out.push({ kind: 'decision_logs', name: 'decision_logs.service', file: dl });
  return out;
}

/** notAfter of the first certificate of a PEM file, in seconds since the epoch. */
export function notAfterSeconds(file: string): number {
  const cert = new X509Certificate(readFileSync(file));
  return Math.floor(Date.parse(cert.validTo) / 1000);
}

export function registerCertExpiry(registry: Registry, config: GatewayConfig, logger: Logger): { refresh(tokenServers?: boolean): void } {
  const certs = certificatesOf(config);
  const gauge = new Gauge({
    name: 'regate_tls_certificate_expiry_seconds',
    help: 'notAfter of each certificate regate loaded (unix seconds), by kind and name',
    labelNames: ['kind', 'name'],
    registers: [registry],
  });
  const read = (only?: ReadonlySet<Kind>) => {
    for (const c of certs) {
      if (only !== undefined && !only.has(c.kind)) continue;
      try {
        gauge.set({ kind: c.kind, name: c.name }, notAfterSeconds(c.file));
      } catch (err) {
        // the files were checked at load; one replaced by something unreadable since is the reload's error to report
        logger.warn({ kind: c.kind, name: c.name, err: (err as Error).message }, 'certificate expiry: cannot read certificate');
      }
    }
  };
  read();
  return { refresh: (tokenServers = false) => read(tokenServers ? RELOADED_ALL : RELOADED) };
}
