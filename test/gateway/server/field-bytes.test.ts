/**
 * Field names and status lines handed to uWS as bytes (field-bytes.ts): the bytes are the UTF-8
 * uWS would have made of the string, anything not plain ASCII stays a string, and the name map
 * stops growing at its bound (a flood of names is passed as strings, still correct).
 */
import t from 'tap';
import { nameBytes, nameBytesAt, statusBytes } from '../../../src/gateway/server/field-bytes.js';

const text = (v: ArrayBuffer | string): string => (typeof v === 'string' ? v : Buffer.from(v).toString('utf8'));

t.test('names: ASCII as its bytes, reused; the map is bounded', async (t) => {
  const a = nameBytes('content-type');
  t.ok(a instanceof ArrayBuffer, 'a token becomes bytes');
  t.equal(text(a), 'content-type');
  t.equal(nameBytes('content-type'), a, 'the same bytes the next time');
  t.equal(nameBytes('x-\u00e9'), 'x-\u00e9', 'not ASCII: the string itself');
  for (let i = 0; i < 1000; i++) t.equal(text(nameBytes(`x-flood-${i}`)), `x-flood-${i}`);
  t.equal(nameBytes('x-after-the-flood'), 'x-after-the-flood', 'past the bound: a string, never a wrong name');
  t.equal(nameBytes('content-type'), a, 'names kept before the bound stay');
});

t.test('status lines: bytes while one repeats; a non-ASCII reason stays a string', async (t) => {
  const ok = statusBytes('200 OK');
  t.ok(ok instanceof ArrayBuffer);
  t.equal(text(ok), '200 OK');
  t.equal(statusBytes('200 OK'), ok, 'reused while it repeats');
  t.equal(text(statusBytes('404 Not Found')), '404 Not Found');
  t.equal(statusBytes('200 Caf\u00e9'), '200 Caf\u00e9');
  t.equal(text(statusBytes('200 OK')), '200 OK', 'back to the first line');
});

t.test('by position: the name at a position, whatever came there before', async (t) => {
  const seq = [['content-type', 'date', 'x-request-id'], ['x-request-id', 'content-type'], ['content-type', 'date', 'x-request-id', 'x-\u00e9']];
  for (let round = 0; round < 3; round++) {
    for (const head of seq) {
      head.forEach((n, i) => t.equal(text(nameBytesAt(i, n)), n, `${n} at ${i}`));
    }
  }
  t.equal(text(nameBytesAt(40, 'server-timing')), 'server-timing', 'past the remembered positions');
});
