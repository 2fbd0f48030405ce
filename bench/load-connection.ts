// The load generator's side of an HTTP benchmark: a keep-alive HTTP/1.1
// connection that writes requests prepared in advance (one buffer each, as
// autocannon does) and reads each answer's status and body. The senders run
// on the same two cores as the server and the database: node:http's client
// (request objects, header handling, its parser) cost a tenth of the ingest
// benchmark's Node CPU, none of which a real sender's work would take from
// the server. The server still parses every request in full.
import net from 'node:net';

export interface LoadAnswer {
  status: number;
  text: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** A POST of `body` (JSON) to `path`, as the bytes to write. */
export function prepareJsonPost(path: string, port: number, body: string): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

export class LoadConnection {
  private received: Buffer = Buffer.alloc(0);
  private pending: { resolve: (a: LoadAnswer) => void; reject: (e: Error) => void } | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
      this.tryAnswer();
    });
    const fail = (err: Error) => {
      const p = this.pending;
      this.pending = null;
      p?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  static open(port: number, host = '127.0.0.1'): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off('error', reject);
        resolve(new LoadConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Writes one prepared request and resolves with its answer (one request at a time per connection). */
  send(request: Buffer): Promise<LoadAnswer> {
    if (this.pending) return Promise.reject(new Error('LoadConnection: one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Answers the pending request once its whole response arrived (Content-Length or chunked). */
  private tryAnswer(): void {
    const end = this.received.indexOf(HEADER_END);
    if (end < 0 || !this.pending) return;
    const head = this.received.subarray(0, end).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    const bodyStart = end + HEADER_END.length;
    let body: Buffer | null = null;
    let next = 0;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      const n = Number(length[1]);
      if (this.received.length < bodyStart + n) return;
      body = this.received.subarray(bodyStart, bodyStart + n);
      next = bodyStart + n;
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = this.received.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(this.received.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.received.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          next = lineEnd + 4;
          break;
        }
        parts.push(this.received.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const p = this.pending;
      this.pending = null;
      p.reject(new Error(`an answer without Content-Length or chunked encoding: ${head}`));
      return;
    }
    this.received = this.received.subarray(next);
    const p = this.pending;
    this.pending = null;
    p.resolve({ status, text: body.toString('utf8') });
  }
}
