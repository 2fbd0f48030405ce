// Keep-alive pings for every graphql-ws socket of an endpoint, from one
// timer: a socket that has not answered its last ping by the time its next
// is due is terminated, as graphql-ws's own keep-alive does.
//
// Why not graphql-ws's (useServer's `keepAlive`): it arms, per socket and
// interval, a pong timeout and a `once('pong')` listener, and writes each
// ping in a system call of its own. At 10,000 sockets and a 12-s interval
// that is 833 pings a second, 3.5 % of the server's samples beside 50,000
// deliveries/s (perf, bench:live). Here one timer turns a wheel of the
// sockets (each due once per interval, spread over its ticks), and a ping
// goes out with the frames the socket is sent next (TurnWriter.askPing), in
// their system call; only a socket sent nothing for a tick gets it alone.
import { WebSocket } from 'ws';
import type { TurnWriter } from './turn-writer.ts';

interface Kept {
  readonly socket: WebSocket;
  readonly writer: TurnWriter;
  readonly slot: number;
  awaitingPong: boolean;
}

export class KeepAlive {
  private readonly wheel: Set<Kept>[];
  /** Pings asked for on the last tick: sent alone on this one if no frames took them. */
  private asked: Kept[] = [];
  private slot = 0;
  private readonly timer: NodeJS.Timeout;

  /** Pings each socket every `intervalMs` (± one tick) and terminates one that has not answered by its next. */
  constructor(intervalMs: number) {
    const tickMs = Math.min(1000, Math.max(10, Math.floor(intervalMs / 4)));
    this.wheel = Array.from({ length: Math.max(2, Math.round(intervalMs / tickMs)) }, () => new Set<Kept>());
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Keeps `socket` alive (its frames written by `writer`) until the returned function is called. */
  add(socket: WebSocket, writer: TurnWriter): () => void {
    // In the slot that was just processed: first due a whole interval from now.
    const kept: Kept = { socket, writer, slot: this.slot, awaitingPong: false };
    this.wheel[kept.slot]!.add(kept);
    const onPong = () => {
      kept.awaitingPong = false;
    };
    socket.on('pong', onPong);
    return () => {
      this.wheel[kept.slot]!.delete(kept);
      socket.off('pong', onPong);
    };
  }

  private tick(): void {
    for (const kept of this.asked) {
      if (kept.writer.takePing() && kept.socket.readyState === WebSocket.OPEN) kept.socket.ping();
    }
    this.asked = [];
    this.slot = (this.slot + 1) % this.wheel.length;
    for (const kept of this.wheel[this.slot]!) {
      if (kept.socket.readyState !== WebSocket.OPEN) continue;
      if (kept.awaitingPong) {
        kept.socket.terminate();
        continue;
      }
      kept.awaitingPong = true;
      kept.writer.askPing();
      this.asked.push(kept);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
