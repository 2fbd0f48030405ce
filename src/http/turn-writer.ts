// A socket's live frames of one run of the event loop's work (a webhook's
// batch of events, a Redis chunk), written in one system call, handed to
// the socket's libuv handle directly rather than through its Writable stream.
//
// Why not `socket.write` (with cork and uncork, as this did before): at
// 10,000 subscribers and 50,000 deliveries/s, perf put 70 % of the server's
// samples in the flush of the corked sockets. The `write` system call and
// the loopback under it are about 9 µs a delivery on the 2-core machine and
// stay; Node's stream layer over it (cork, uncork, clearBuffer,
// Socket._write, a WriteWrap and an afterWrite tick per write) was about
// 3.5 µs more, a fifth of a delivery's cost, most of it first reads of the
// socket's objects, each cold in the cache after the last socket's system
// call (perf annotate: the loads of the writer's, the socket's, its
// Writable state's and its handle's maps took three quarters of the flush's
// own time). The handle's `writeBuffer`/`writev` is what that layer calls at
// its end: called here, a write the kernel takes whole (the usual case)
// reads the handle only and allocates nothing.
//
// The handle's methods are Node internals, reached through
// `process.binding('stream_wrap')` (deprecated, DEP0111, but kept in Node's
// allow-list for such uses). Where they are missing (another runtime, a
// future Node) or the socket is not a plain TCP socket, frames go through
// `socket.write`, as they do whenever the socket has bytes waiting.
//
// Order with everything else written to the socket (`ws`'s pings,
// graphql-ws's `next` frames of the stream path, `complete`, `error`, close
// frames): the frames are gathered while events are dispatched, and written
// in a microtask queued with the first, so before any promise continuation
// queued after it, such as the stream path's of a later event; whatever was
// queued before it, which writes first, was an earlier event's. A frame
// goes to the handle only when libuv has nothing queued for it: then the
// stream has nothing waiting either (it holds bytes back only behind a write
// in libuv's queue, or while corked, which `ws` does within one call only).
// Otherwise it goes through `socket.write`, behind the stream's.
import type { Socket } from 'node:net';

interface WriteReq {
  oncomplete: ((this: WriteReq, status: number) => void) | null;
  /** Keeps the bytes alive while libuv writes them (an asynchronous write). */
  buffer: unknown;
  writer: TurnWriter | null;
}

interface StreamHandle {
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  writev(req: WriteReq, chunks: Uint8Array[], allBuffers: true): number;
  /** Bytes libuv has queued, not yet taken by the kernel. */
  writeQueueSize: number;
}

interface StreamWrap {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

function loadStreamWrap(): StreamWrap | null {
  try {
    const wrap = (process as unknown as { binding(name: string): Partial<StreamWrap> }).binding('stream_wrap');
    if (typeof wrap.WriteWrap === 'function' && wrap.streamBaseState instanceof Int32Array && typeof wrap.kLastWriteWasAsync === 'number') {
      return wrap as StreamWrap;
    }
  } catch {
    // not available: every frame goes through socket.write
  }
  return null;
}

let streamWrap = loadStreamWrap();
/** A request object for the next write: used only if the write turns asynchronous, so reused until one does. */
let spare: WriteReq | null = streamWrap ? new streamWrap.WriteWrap() : null;

/** Turns the handle writes off (true: back on, where Node has them). Tests use it to run both paths. */
export function useHandleWrites(on: boolean): void {
  streamWrap = on ? loadStreamWrap() : null;
  spare = streamWrap ? new streamWrap.WriteWrap() : null;
}

/** Whether frames are written to the handle (where the socket allows). */
export function handleWritesOn(): boolean {
  return streamWrap !== null;
}

function onWriteComplete(this: WriteReq, status: number): void {
  const writer = this.writer!;
  this.buffer = null;
  writer.writing--;
  if (status < 0) writer.failed(status);
}

/** The libuv handle of a plain, open TCP socket; null otherwise (TLS, closed, not a net.Socket). */
function handleOf(socket: Socket): StreamHandle | null {
  if ((socket as { encrypted?: boolean }).encrypted) return null;
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  return handle && typeof handle.writeBuffer === 'function' ? handle : null;
}

/** A WebSocket ping as a server sends it (RFC 6455 5.5.2: FIN, opcode 9, unmasked, no payload). */
const PING_FRAME = Buffer.from([0x89, 0x00]);

/** Writers with frames gathered in this run. */
const gathering: TurnWriter[] = [];

function writeGathered(): void {
  for (const writer of gathering.splice(0)) writer.flush();
}

/** One socket's writer (one per socket, shared by its subscriptions). */
export class TurnWriter {
  /** Frames gathered in this run, in order. */
  private gathered: Uint8Array | Uint8Array[] | null = null;
  private gatheredBytes = 0;
  /** The socket had bytes waiting at the last flush: `waiting` then asks it. */
  private backlog = false;
  /** Writes to the handle that the kernel did not take whole at once, still being written by libuv. */
  writing = 0;
  private readonly handle: StreamHandle | null;
  /** A keep-alive ping to send with the next frames (KeepAlive). */
  private pingDue = false;

  constructor(private readonly socket: Socket) {
    this.handle = handleOf(socket);
  }

  /**
   * Bytes written here or to the socket and not yet taken by the kernel.
   * Without a backlog at the last flush, only what was gathered since: the
   * socket itself is asked (a call into C++ and reads of cold objects) only
   * once it had some waiting, so a backlog is seen from the next run on.
   */
  get waiting(): number {
    if (!this.backlog) return this.gatheredBytes;
    return this.gatheredBytes + this.socket.writableLength + (this.handle?.writeQueueSize ?? 0);
  }

  /** Writes `frame` at the end of this run, after everything written to the socket before it. */
  write(frame: Uint8Array): void {
    const gathered = this.gathered;
    if (gathered === null) {
      this.gathered = frame;
      if (gathering.push(this) === 1) queueMicrotask(writeGathered);
    } else if (Array.isArray(gathered)) gathered.push(frame);
    else this.gathered = [gathered, frame];
    this.gatheredBytes += frame.length;
  }

  /** Sends a ping frame with the next frames written here, in their system call. */
  askPing(): void {
    this.pingDue = true;
  }

  /** Whether a ping asked for is still unsent (and now no longer asked for here: the caller sends it). */
  takePing(): boolean {
    const due = this.pingDue;
    this.pingDue = false;
    return due;
  }

  /** The gathered frames: to the handle if it has nothing queued, else through the stream. */
  flush(): void {
    const data = this.pingDue ? this.withPing(this.gathered!) : this.gathered!;
    this.gathered = null;
    this.gatheredBytes = 0;
    const handle = this.handle;
    if (streamWrap !== null && handle !== null && handle.writeQueueSize === 0) {
      const req = spare!;
      const err = Array.isArray(data) ? handle.writev(req, data, true) : handle.writeBuffer(req, data);
      // Not 0 (an error, or undefined from a handle already closed): the socket is going or gone.
      if (err !== 0) return this.failed(err);
      if (streamWrap.streamBaseState[streamWrap.kLastWriteWasAsync] === 0) {
        this.backlog = false;
        return;
      }
      spare = new streamWrap.WriteWrap();
      this.writing++;
      this.backlog = true;
      req.buffer = data;
      req.writer = this;
      req.oncomplete = onWriteComplete;
      return;
    }
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return;
    if (Array.isArray(data)) {
      socket.cork();
      for (const frame of data) socket.write(frame);
      socket.uncork();
    } else socket.write(data);
    this.backlog = true;
  }

  /** The frames and the ping asked for after them. Its own method, to keep flush small enough to be inlined. */
  private withPing(data: Uint8Array | Uint8Array[]): Uint8Array[] {
    this.pingDue = false;
    return Array.isArray(data) ? [...data, PING_FRAME] : [data, PING_FRAME];
  }

  /**
   * A write failed: the socket is done for, as the stream would decide —
   * unless it is already ending (its FIN queued, so libuv refuses writes):
   * then the frames are dropped, as the stream drops writes after end().
   */
  failed(status: number | undefined): void {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return;
    socket.destroy(Object.assign(new Error(`write failed (libuv status ${status})`), { errno: status, syscall: 'write' }));
  }
}
