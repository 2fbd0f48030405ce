// Embedded PostgreSQL: PGlite (PostgreSQL compiled to WASM) served over the
// PostgreSQL wire protocol on a loopback port, so that the very same `pg` pool
// and Prisma adapter talk to it as to a real server.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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
  const db = await PGlite.create(dataDir ?? undefined, { extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  return {
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
    maxConnections,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
