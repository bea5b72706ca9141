import * as assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { FrameReader, FrameWriter, readFrames, WireError } from '../../src/node/wire';

function collect(maxFrameBytes?: number) {
  const frames: { value: unknown; frame: number }[] = [];
  const errors: WireError[] = [];
  const reader = new FrameReader({ onFrame: (value, frame) => frames.push({ value, frame }), onError: (e) => errors.push(e) }, maxFrameBytes);
  return { reader, frames, errors };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('wire framing (JSON lines)', () => {
  it('splits frames across chunks anywhere, inside a UTF-8 character too', () => {
    const { reader, frames, errors } = collect();
    const bytes = Buffer.from('{"a":"é€😀"}\n{"b":[1,2]}\n{"c":"NaN","d":"\\\\NaN"}\n');
    for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
    assert.deepEqual(errors, []);
    assert.deepEqual(
      frames.map((f) => f.value),
      [{ a: 'é€😀' }, { b: [1, 2] }, { c: NaN, d: 'NaN' }],
    );
    assert.deepEqual(
      frames.map((f) => f.frame),
      [1, 2, 3],
    );
  });

  it('reads several frames from one chunk', () => {
    const { reader, frames } = collect();
    reader.push(Buffer.from('{"x":1}\n{"x":2}\n{"x":'));
    reader.push(Buffer.from('3}\n'));
    assert.deepEqual(
      frames.map((f) => f.value),
      [{ x: 1 }, { x: 2 }, { x: 3 }],
    );
  });

  it('reports malformed JSON with its frame number and reads on', () => {
    const { reader, frames, errors } = collect();
    reader.push(Buffer.from('{"ok":1}\n{"broken":\n{"ok":2}\n'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].frame, 2);
    assert.match(errors[0].message, /^frame 2: malformed JSON \(.*\): \{"broken":$/);
    assert.equal(errors[0].handlerError, undefined);
    assert.deepEqual(
      frames.map((f) => f.value),
      [{ ok: 1 }, { ok: 2 }],
    );
  });

  it('refuses a frame over the size bound without buffering it, then reads the next one', () => {
    const { reader, frames, errors } = collect(64);
    reader.push(Buffer.from(`{"big":"${'x'.repeat(50)}`));
    reader.push(Buffer.from('x'.repeat(50)));
    reader.push(Buffer.from('x'.repeat(1000)));
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /^frame 1: longer than the limit of 64 bytes; skipped$/);
    reader.push(Buffer.from('"}\n{"small":true}\n'));
    assert.equal(errors.length, 1);
    assert.deepEqual(frames, [{ value: { small: true }, frame: 2 }]);
  });

  it('a throwing frame handler is reported, never thrown out of the stream handler', () => {
    const errors: WireError[] = [];
    const reader = new FrameReader({
      onFrame: () => {
        throw new Error('handler bug');
      },
      onError: (e) => errors.push(e),
    });
    assert.doesNotThrow(() => reader.push(Buffer.from('{}\n')));
    assert.match(errors[0].message, /^frame 1: its handler failed: handler bug$/);
    assert.equal((errors[0].handlerError as Error).message, 'handler bug', 'told apart from a bad frame');
  });

  it('a stream that ends inside a frame is an error', async () => {
    const stream = new PassThrough();
    const errors: WireError[] = [];
    const frames: unknown[] = [];
    readFrames(stream, { onFrame: (v) => frames.push(v), onError: (e) => errors.push(e) });
    stream.end('{"a":1}\n{"a":');
    await new Promise((resolve) => stream.on('end', resolve));
    assert.deepEqual(frames, [{ a: 1 }]);
    assert.match(errors[0]?.message ?? '', /^frame 2: the stream ended inside a frame \(5 bytes without their newline\)$/);
  });

  it('the writer coalesces the frames of one turn into one write, in order, non-finite numbers spelled', async () => {
    const writes: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        writes.push(chunk.toString());
        done();
      },
    });
    const writer = new FrameWriter(sink);
    writer.write({ n: 1 });
    writer.write({ n: Infinity });
    writer.write({ n: 3 });
    assert.deepEqual(writes, [], 'nothing leaves before the turn ends');
    await nextTurn();
    assert.deepEqual(writes, ['{"n":1}\n{"n":"Infinity"}\n{"n":3}\n']);
    writer.write({ n: 4 });
    await nextTurn();
    assert.deepEqual(writes.slice(1), ['{"n":4}\n']);
  });

  it('the writer waits for drain under backpressure and loses nothing', async () => {
    const writes: string[] = [];
    let release: (() => void) | null = null;
    const sink = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _enc, done) {
        writes.push(chunk.toString());
        release = done; // the peer is slow: this write completes only when released
      },
    });
    const writer = new FrameWriter(sink);
    writer.write({ n: 1 });
    await nextTurn();
    assert.equal(writes.length, 1);
    writer.write({ n: 2 });
    writer.write({ n: 3 });
    await nextTurn();
    assert.equal(writes.length, 1, 'no write while the stream applies backpressure');
    assert.equal(writer.pendingFrames, 2);
    release!();
    await nextTurn();
    assert.deepEqual(writes, ['{"n":1}\n', '{"n":2}\n{"n":3}\n']);
    release!();
  });

  it('reader and writer round-trip through a stream', async () => {
    const stream = new PassThrough();
    const frames: unknown[] = [];
    readFrames(stream, { onFrame: (v) => frames.push(v), onError: (e) => assert.fail(e.message) });
    const writer = new FrameWriter(stream);
    const values = [{ type: 'step', stats: { loss: NaN, text: 'a\nb', neg: -Infinity } }, { type: 'resumed' }];
    for (const v of values) writer.write(v);
    await nextTurn();
    await nextTurn();
    assert.deepEqual(frames, values);
  });
});
