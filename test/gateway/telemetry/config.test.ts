/**
 * The `telemetry` section: off by default, defaults filled in, mistakes named by key; the
 * exporter's URL from `otlp_endpoint`.
 */
import t from 'tap';
import { ConfigError } from '../../../src/gateway/errors.js';
import { loadConfigText, resolveConfigSection } from '../../../src/gateway/config/load.js';
import { createTelemetry, tracesUrlOf } from '../../../src/gateway/telemetry/index.js';

const base = `upstreams: { up: { url: "http://127.0.0.1:9" } }\nroutes: [ { id: r, match: { path_prefix: / }, upstream: up } ]\n`;

t.test('off by default: no endpoint, no telemetry', async (t) => {
  const c = loadConfigText(base, { file: 'a.yaml', env: {} });
  t.same(c.telemetry, { sample_ratio: 1, service_name: 'regate', export_timeout_ms: 5000 });
  t.equal(createTelemetry(c), null);
});

t.test('the DESIGN.md keys, with defaults', async (t) => {
  const s = resolveConfigSection('telemetry', { otlp_endpoint: 'http://otel-collector:4318', sample_ratio: 0.01 });
  t.same(s, { otlp_endpoint: 'http://otel-collector:4318', sample_ratio: 0.01, service_name: 'regate', export_timeout_ms: 5000 });
  t.ok(Object.isFrozen(s));
});

t.test('mistakes name their key and line', async (t) => {
  const bad = (yaml: string, key: string) => {
    try {
      loadConfigText(base + yaml, { file: 'b.yaml', env: {} });
      t.fail(`accepted ${yaml}`);
    } catch (err) {
      t.ok(err instanceof ConfigError, 'a ConfigError');
      t.match(String((err as Error).message), key);
      t.match(String((err as Error).message), /b\.yaml:3/);
    }
  };
  bad('telemetry: { sample_ratio: 1.5 }', 'telemetry.sample_ratio');
  bad('telemetry: { otlp_endpoint: "otel:4318" }', 'telemetry.otlp_endpoint');
  bad('telemetry: { exporter: zipkin }', 'telemetry');
});

t.test('traces URL: base + /v1/traces, or as given', async (t) => {
  t.equal(tracesUrlOf('http://c:4318'), 'http://c:4318/v1/traces');
  t.equal(tracesUrlOf('http://c:4318/'), 'http://c:4318/v1/traces');
  t.equal(tracesUrlOf('http://c:4318/otlp'), 'http://c:4318/otlp/v1/traces');
  t.equal(tracesUrlOf('http://c:4318/v1/traces'), 'http://c:4318/v1/traces');
});
