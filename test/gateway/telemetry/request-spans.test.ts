/**
 * Span naming rules that the end-to-end test cannot reach (uWS closes the connection on methods
 * outside the standard set, so a WebDAV method never arrives there): a method the HTTP semantic
 * conventions do not name becomes `_OTHER` and the span `HTTP <route>`, so clients cannot mint
 * span names. Spans go to the SDK's in-memory exporter.
 */
import t from 'tap';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createRequestContext } from '../../../src/gateway/pipeline/context.js';
import { createRequestSpans } from '../../../src/gateway/telemetry/request-spans.js';

t.test('unknown methods are _OTHER; known ones keep their name', async (t) => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const spans = createRequestSpans(provider.getTracer('t'), {});
  for (const method of ['PROPFIND', 'GET']) {
    const ctx = createRequestContext({ id: 'r', method, path: '/x', rawQuery: '', headers: { 'user-agent': 'Bearer abcdefghijklmnopqrstuvwxyz0123456789' }, host: 'api.example:8443', scheme: 'http', remoteAddr: '127.0.0.1', route: { id: 'dav', upstream: 'u', auth: 'none' } });
    spans.startRequest(ctx);
    ctx.status = 207;
    spans.endRequest(ctx);
  }
  const [dav, get] = exporter.getFinishedSpans();
  t.equal(dav?.name, 'HTTP dav');
  t.match(dav?.attributes, { 'http.request.method': '_OTHER', 'http.request.method_original': 'PROPFIND', 'server.address': 'api.example', 'server.port': 8443, 'http.route': 'dav' });
  t.notOk(dav && 'user_agent.original' in dav.attributes, 'a User-Agent holding a credential is left out');
  t.equal(get?.name, 'GET dav');
  t.notOk(get && 'http.request.method_original' in get.attributes);
  await provider.shutdown();
});
