// TurnWriter (src/http/turn-writer.ts) against a real loopback TCP socket:
// frames gathered in a run of the event loop, interleaved with writes that
// others make to the same socket from promise continuations (as graphql-ws
// does for the stream path, `complete` and `error`), with the reader paused
// at random so that the kernel's buffers fill and writes turn asynchronous.
// The bytes received must be exactly the model's order, whether frames go
// to the socket's libuv handle or, handle writes off, through socket.write.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { TurnWriter, handleWritesOn, useHandleWrites } from '../../src/http/turn-writer.ts';

after(() => useHandleWrites(true));

/** A record: its id (4 bytes), its length (4 bytes), filler. Unique ids make the order checkable. */
function record(id: number, size: number): Buffer {
  const b = Buffer.alloc(Math.max(8, size), id & 0xff);
  b.writeUInt32BE(id, 0);
  b.writeUInt32BE(b.length, 4);
  return b;
}

function ids(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p < bytes.length; ) {
    out.push(bytes.readUInt32BE(p));
    const len = bytes.readUInt32BE(p + 4);
    assert.ok(len >= 8 && p + len <= bytes.length, `record at ${p} cut short`);
    p += len;
  }
  return out;
}

interface Pair {
  server: net.Socket;
  client: net.Socket;
  received: Buffer[];
  close(): Promise<void>;
}

async function pair(): Promise<Pair> {
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  server.setNoDelay(true);
  const received: Buffer[] = [];
  client.on('data', (d: Buffer) => received.push(d));
  return {
    server,
    client,
    received,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise((r) => listener.close(r));
    },
  };
}

type Op = { kind: 'gather' | 'later'; size: number };
interface Run {
  ops: Op[];
  /** The reader paused (true) or reading (false) from this run on. */
  paused: boolean;
}

const sizes = fc.oneof({ arbitrary: fc.integer({ min: 8, max: 300 }), weight: 6 }, { arbitrary: fc.integer({ min: 8, max: 200_000 }), weight: 3 }, { arbitrary: fc.integer({ min: 1_000_000, max: 3_000_000 }), weight: 1 });
const schedule = fc.array(
  fc.record({ ops: fc.array(fc.record({ kind: fc.constantFrom<Op['kind']>('gather', 'later'), size: sizes }), { maxLength: 8 }), paused: fc.boolean() }),
  { minLength: 1, maxLength: 12 },
);

/**
 * The order the bytes must leave in: in each run, what continuations queued
 * before its first gathered frame write, then the gathered frames, then the
 * later continuations' writes; runs one after the other.
 */
function expectedOrder(runs: Run[]): number[] {
  const out: number[] = [];
  let id = 0;
  for (const run of runs) {
    const before: number[] = [];
    const gathered: number[] = [];
    const later: number[] = [];
    for (const op of run.ops) {
      const n = id++;
      if (op.kind === 'gather') gathered.push(n);
      else (gathered.length ? later : before).push(n);
    }
    out.push(...before, ...gathered, ...later);
  }
  return out;
}

async function play(runs: Run[], handleWrites: boolean): Promise<{ order: number[]; writerWaitingSeen: boolean }> {
  useHandleWrites(handleWrites);
  const p = await pair();
  const writer = new TurnWriter(p.server);
  let id = 0;
  let total = 0;
  let writerWaitingSeen = false;
  try {
    for (const run of runs) {
      if (run.paused) p.client.pause();
      else p.client.resume();
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          for (const op of run.ops) {
            const bytes = record(id++, op.size);
            total += bytes.length;
            if (op.kind === 'gather') writer.write(bytes);
            else void Promise.resolve().then(() => p.server.write(bytes));
          }
          resolve();
        }),
      );
      await new Promise((r) => setImmediate(r));
      if (writer.waiting > 0) writerWaitingSeen = true;
    }
    p.client.resume();
    const deadline = Date.now() + 20_000;
    while (p.received.reduce((n, b) => n + b.length, 0) < total) {
      assert.ok(Date.now() < deadline, 'bytes still missing after 20 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(writer.writing, 0, 'no write of the handle still pending');
    assert.equal(writer.waiting, 0);
    return { order: ids(Buffer.concat(p.received)), writerWaitingSeen };
  } finally {
    await p.close();
  }
}

test('handle writes are available on this Node (else the test below checks the fallback only)', () => {
  useHandleWrites(true);
  assert.equal(handleWritesOn(), true);
});

test('frames gathered in a run leave after earlier writes and before later ones, whole and once, with the handle or the stream, under backpressure', async () => {
  let sawBacklog = false;
  await fc.assert(
    fc.asyncProperty(schedule, async (runs) => {
      const expected = expectedOrder(runs);
      const direct = await play(runs, true);
      assert.deepEqual(direct.order, expected, 'handle writes');
      const stream = await play(runs, false);
      assert.deepEqual(stream.order, expected, 'stream writes');
      sawBacklog ||= direct.writerWaitingSeen;
    }),
    { numRuns: 60 },
  );
  // The schedules must have reached the asynchronous writes (a full kernel buffer), not only the easy path.
  assert.ok(sawBacklog, 'no schedule filled the socket');
});

test('a socket destroyed before its run ends: the gathered frames are dropped, nothing throws', async () => {
  for (const on of [true, false]) {
    useHandleWrites(on);
    const p = await pair();
    const writer = new TurnWriter(p.server);
    writer.write(record(1, 100));
    p.server.destroy();
    await new Promise((r) => setImmediate(r));
    assert.equal(writer.waiting, 0);
    await p.close();
  }
});

test('a socket ended (its FIN queued) before the run ends: the gathered frames are dropped, the socket closes cleanly, not destroyed with an error', async () => {
  for (const on of [true, false]) {
    useHandleWrites(on);
    const p = await pair();
    const writer = new TurnWriter(p.server);
    let error: Error | null = null;
    p.server.on('error', (err) => (error = err));
    writer.write(record(1, 100));
    p.server.end();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => p.client.once('end', r));
    assert.equal(error, null, `handle writes ${on}`);
    assert.equal(writer.writing, 0);
    await p.close();
  }
});
