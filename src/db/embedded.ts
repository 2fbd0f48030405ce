// Embedded PostgreSQL: PGlite (PostgreSQL compiled to WASM) served over the
// PostgreSQL wire protocol on a loopback port, so that the very same `pg` pool
// and Prisma adapter talk to it as to a real server.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The data directory is open in another process (PGlite has no lock of its own: two writers would corrupt it). */
export class EmbeddedInUseError extends Error {
  override name = 'EmbeddedInUseError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** `<dataDir>.lock` holding our pid; a lock left by a process that is gone is taken over. */
function lockDataDir(dataDir: string): () => void {
  const file = `${dataDir}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let pid = NaN;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch {
      // removed meanwhile: try again
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new EmbeddedInUseError(
        `the embedded database in ${dataDir} is in use by process ${pid} (a running chatgraph server?): stop it first, or act through the running server (chatgraph tenant|key|secret … --url http://localhost:4000 --key <ADMIN or operator key>), or use a PostgreSQL server through DATABASE_URL (if no such process is running, delete ${file})`,
      );
    }
    rmSync(file, { force: true });
  }
}

export interface EmbeddedPostgres {
  /** A connection string for `pg` (user postgres, database postgres). */
  readonly url: string;
  /** How many connections the socket server accepts. */
  readonly maxConnections: number;
  stop(): Promise<void>;
}

/** Opens PGlite on `dataDir` (created on first use), or in memory when `dataDir` is null. */
export async function startEmbeddedPostgres(
  dataDir: string | null,
  maxConnections = 8,
): Promise<EmbeddedPostgres> {
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  let db: PGlite;
  let server: PGLiteSocketServer;
  try {
    db = await PGlite.create(dataDir ?? undefined, { extensions: { pg_trgm } });
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
  } catch (err) {
    unlock();
    throw err;
  }
  const [host, port] = server.getServerConn().split(':');
  return {
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
    maxConnections,
    async stop() {
      try {
        await server.stop();
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}
