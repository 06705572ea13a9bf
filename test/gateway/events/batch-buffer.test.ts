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

t.test('a recycled batch buffer carries a later batch; only its own buffers, once each, are taken back', async (t) => {
  const b = new BatchBuffer();
  b.append('{"n":1}');
  const first = b.seal(); // the next batch is already open in a fresh buffer
  b.recycle(first);
  b.append('{"n":2}');
  const second = b.seal(); // opens the third batch in the recycled buffer
  t.not(second.buffer, first.buffer, 'the batch open when it came back was not moved');
  b.append('{"n":3}');
  const third = b.seal();
  t.equal(third.buffer, first.buffer, 'the third batch reuses the first batch’s memory');
  t.equal(third.toString(), '{"events":[{"n":3}]}');
  t.equal(second.toString(), '{"events":[{"n":2}]}', 'a batch still out is untouched');

  // foreign memory (a slice of Node's shared pool) and a second give-back are ignored
  const foreign = Buffer.from('{"events":[]}');
  b.recycle(foreign);
  b.recycle(third);
  b.recycle(third);
  b.append('{"n":4}');
  const fourth = b.seal();
  b.append('{"n":5}');
  const fifth = b.seal();
  t.not(fourth.buffer, foreign.buffer);
  t.not(fifth.buffer, foreign.buffer);
  t.equal(foreign.toString(), '{"events":[]}', 'foreign memory is never written');
  const reused = [fourth, fifth].filter((x) => x.buffer === third.buffer).length;
  t.ok(reused <= 1, 'memory given back twice is reused once, never by two open batches');
  t.equal(fourth.toString(), '{"events":[{"n":4}]}');
  t.equal(fifth.toString(), '{"events":[{"n":5}]}');
});

t.test('a buffer grown for one huge batch is not kept', async (t) => {
  const b = new BatchBuffer();
  b.append(JSON.stringify({ pad: 'x'.repeat(3 * 1024 * 1024) }));
  const huge = b.seal();
  t.ok(huge.buffer.byteLength > 2 * 1024 * 1024);
  b.recycle(huge);
  for (let i = 0; i < 3; i++) {
    b.append('{}');
    t.not(b.seal().buffer, huge.buffer, 'never handed out again');
  }
});
