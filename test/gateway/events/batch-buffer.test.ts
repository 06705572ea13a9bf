import t from 'tap';
import { BatchBuffer } from '../../../src/gateway/events/batch-buffer.js';

t.test('a sealed batch is {"events":[…]} of the appended texts, byte for byte', async (t) => {
  const b = new BatchBuffer();
  t.equal(b.seal().toString(), '{"events":[]}', 'an empty batch is still a valid job');
  const events = [{ a: 1 }, { s: 'é✓😀 "quoted" \\ \n' }, { lone: '\ud800' }, []];
  for (const e of events) b.append(JSON.stringify(e));
  t.equal(b.count, 4);
  const sealed = b.seal();
  t.equal(sealed.toString('utf8'), JSON.stringify({ events }), 'same bytes as JSON.stringify, multi-byte UTF-8 included');
  t.same(JSON.parse(sealed.toString('utf8')), JSON.parse(JSON.stringify({ events })));
  t.equal(b.count, 0, 'the next batch starts empty');
});

t.test('grows past its first buffer, and sealed batches never share bytes with later ones', async (t) => {
  const b = new BatchBuffer();
  const big = JSON.stringify({ pad: 'x'.repeat(50_000), u: 'ü'.repeat(10_000) });
  for (let i = 0; i < 20; i++) b.append(big);
  const first = b.seal();
  const firstText = first.toString();
  t.equal(JSON.parse(firstText).events.length, 20);
  for (let i = 0; i < 20; i++) b.append('{"later":true}');
  const second = b.seal();
  t.equal(first.toString(), firstText, 'the first batch is unchanged by the second');
  t.same(JSON.parse(second.toString()).events.length, 20);
  t.ok(b.bytes < 32, 'bytes counts only the open batch');
});
