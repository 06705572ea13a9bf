/**
 * A real OTLP/HTTP receiver for the telemetry tests: a node:http server on 127.0.0.1 that takes
 * `POST /v1/traces` in OTLP's JSON encoding (what @opentelemetry/exporter-trace-otlp-http sends)
 * and keeps the spans, flattened, with their attributes as a plain object.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number };
  resource: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** POSTs received (an exporter with nothing to send posts nothing) */
  posts: number;
  /** content types of the posts */
  contentTypes: string[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

function flat(attrs: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const a of attrs ?? []) {
    const v = a.value;
    out[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? '';
  }
  return out;
}

/** `status`: what the receiver answers (a 400 is a failure the exporter does not retry). */
export async function startOtlpReceiver(status = 200): Promise<OtlpReceiver> {
  const r: OtlpReceiver = { url: '', spans: [], posts: 0, contentTypes: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      r.posts++;
      r.contentTypes.push(String(req.headers['content-type']));
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"code":3,"message":"refused"}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { resource?: { attributes?: KeyValue[] }; scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes' | 'resource' | 'parentSpanId'> & { attributes?: KeyValue[]; parentSpanId?: string })[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const resource = flat(rs.resource?.attributes);
        for (const ss of rs.scopeSpans) for (const s of ss.spans) r.spans.push({ ...s, parentSpanId: s.parentSpanId ?? '', attributes: flat(s.attributes), resource });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return r;
}
