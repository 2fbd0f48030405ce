// RFC 6455 frames as the bench's plain-TCP clients (bench/live-receivers.ts)
// and the keep-alive test (test/integration/live-keepalive.test.ts) write
// and read them: client frames masked with a zero key, server frames parsed
// in place.

/** A client frame: masked (RFC 6455 5.3) with a zero key, which leaves the payload as it is. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len, 0, 0, 0, 0]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([head, payload]);
}

/**
 * Calls `onFrame` with each whole server frame in `data` from `from` on
 * (its opcode and where its payload starts and ends), in order; returns
 * where the rest, a frame not yet whole, begins.
 */
export function eachFrame(data: Buffer, from: number, onFrame: (opcode: number, start: number, end: number) => void): number {
  let p = from;
  while (data.length - p >= 2) {
    let len = data[p + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (data.length - p < 4) break;
      len = data.readUInt16BE(p + 2);
      head = 4;
    } else if (len === 127) {
      if (data.length - p < 10) break;
      len = Number(data.readBigUInt64BE(p + 2));
      head = 10;
    }
    if (data.length - p < head + len) break;
    const opcode = data[p]! & 0x0f;
    p += head + len;
    onFrame(opcode, p - len, p);
  }
  return p;
}
