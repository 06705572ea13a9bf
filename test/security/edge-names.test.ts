/**
 * The edge remembers the field names of the last requests by position (server/client-head.ts):
 * a name equal to the one remembered there skips its check. Names that differ at a remembered
 * position — a bad one after good ones, an identity header where a plain one was, another case —
 * must still be checked and stripped, and what reaches the upstream must be the client's fields.
 */
import t from 'tap';
import { echoConfig, startGateway } from '../gateway/helpers.js';
import { codeOf, rawGet, sendOne, startRecordingUpstream, statusOf } from './wire.js';
import { loadUws } from '../../src/gateway/server/uws-loader.js';

const { build } = loadUws();

const up = await startRecordingUpstream();
const gw = await startGateway(echoConfig(up.url));
t.teardown(async () => {
  await gw.close();
  await up.close();
});
const port = gw.port;

/** the header fields of the last request the upstream got, as [name, value] with lower-case names */
function lastUpstreamFields(): [string, string][] {
  const all = up.requests();
  const m = all[all.length - 1];
  return (m?.headers ?? []).map(([k, v]) => [k.toLowerCase(), v]);
}

t.test('the same names again, then names that differ at remembered positions', async (t) => {
  const good = ['Accept: */*', 'X-Device: ios', 'X-Trace: a'];
  for (let k = 0; k < 3; k++) {
    const r = await sendOne(port, rawGet('/echo/x', good));
    t.equal(statusOf(r), 200, `round ${k}`);
  }
  t.same(lastUpstreamFields().filter(([k]) => k === 'x-device' || k === 'x-trace' || k === 'accept'), [['accept', '*/*'], ['x-device', 'ios'], ['x-trace', 'a']]);

  // a bad name where a good one was remembered: refused by uWS (which closes, or on 20.56 answers
  // its own 400 without a JSON body) or by the edge (20.30 hands it over), never forwarded
  const count = up.requests().length;
  const bad = await sendOne(port, rawGet('/echo/x', ['Accept: */*', 'X-De{vice: ios', 'X-Trace: a']));
  const byUws = statusOf(bad) === 0 || (build.version >= '20.56' && statusOf(bad) === 400 && codeOf(bad) === undefined);
  t.ok(byUws || (statusOf(bad) === 400 && codeOf(bad) === 'GW_ERR_BAD_HEADER'), `a name that is not a token is refused (${statusOf(bad)} ${codeOf(bad)})`);
  t.equal(up.requests().length, count, 'not forwarded');

  // an identity header where a plain one was remembered: still removed
  const before = up.requests().length;
  const spoof = await sendOne(port, rawGet('/echo/x', ['Accept: */*', 'X-User-Id: mallory', 'X-Trace: a']));
  t.equal(statusOf(spoof), 200);
  t.equal(up.requests().length, before + 1);
  t.notOk(lastUpstreamFields().some(([k]) => k === 'x-user-id'), 'identity header stripped');
  t.notOk(lastUpstreamFields().some(([k, v]) => k === 'x-device' || v === 'mallory'), 'and never renamed to the name remembered there');

  // the same names again after that: remembered anew, still forwarded
  const again = await sendOne(port, rawGet('/echo/x', good));
  t.equal(statusOf(again), 200);
  t.ok(lastUpstreamFields().some(([k, v]) => k === 'x-device' && v === 'ios'));

  // a name differing only in case at a remembered position: the same field for HTTP
  const cased = await sendOne(port, rawGet('/echo/x', ['Accept: */*', 'X-DEVICE: android', 'X-Trace: a']));
  t.equal(statusOf(cased), 200);
  t.ok(lastUpstreamFields().some(([k, v]) => k === 'x-device' && v === 'android'));
});
