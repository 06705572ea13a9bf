/**
 * Request ids: version-4 UUIDs in randomUUID's form, distinct, over several batches, with every
 * random digit able to take every value (a formatting slip would pin or drop digits).
 */
import t from 'tap';
import { randomUuid } from '../../../src/gateway/shared/random-uuid.js';

const FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('form, uniqueness and digits across batches', async (t) => {
  const n = 5000; // ~40 batches of 128
  const seen = new Set<string>();
  let badForm = 0;
  // per character position, the digits seen there
  const digits: Set<string>[] = Array.from({ length: 36 }, () => new Set());
  for (let k = 0; k < n; k++) {
    const id = randomUuid();
    if (!FORM.test(id)) badForm++;
    seen.add(id);
    for (let i = 0; i < id.length; i++) digits[i]?.add(id[i] as string);
  }
  t.equal(badForm, 0, 'every id is a lower-case version-4 UUID');
  t.equal(seen.size, n, 'no id repeats');
  for (let i = 0; i < 36; i++) {
    const want = i === 8 || i === 13 || i === 18 || i === 23 ? 1 : i === 14 ? 1 : i === 19 ? 4 : 16;
    t.equal(digits[i]?.size, want, `position ${i} takes ${want} value(s)`);
  }
});

t.test('an id is an ordinary string of its own', async (t) => {
  const a = randomUuid();
  const b = randomUuid();
  t.not(a, b);
  t.equal(a.length, 36);
  t.equal(Buffer.from(a, 'utf8').toString('latin1'), a, 'plain ASCII');
});
