// Development convenience: the demo tenant's READ key, kept so that GraphiQL
// and the dashboard open with it already filled in, across restarts.
//
// Keys are stored as hashes only, so the demo key is known in the clear only
// at the moment the demo tenant is created. In development (NODE_ENV=
// development) and only then, that key is sealed with the secrets key
// (SecretBox: AES-256-GCM under SECRETS_KEY or $DATA_DIR/secrets.key) into
// $DATA_DIR/demo-read-key.sealed. At start-up, in development only, it is
// opened and checked against the database (still a READ key of the demo
// tenant?); otherwise nothing is prefilled. Outside development the file is
// neither written nor read.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_TENANT_ID } from '../auth/tenants.ts';
import type { AppServices } from '../services.ts';

export const DEMO_KEY_FILE = 'demo-read-key.sealed';

type Services = Pick<AppServices, 'config' | 'secrets' | 'authenticator' | 'log'>;

const enabled = (services: Services) => services.config.nodeEnv === 'development';

/**
 * Where to listen. The demo key is prefilled in GraphiQL and served by
 * /dashboard/config.json to whoever asks: on every interface that hands a
 * READ key to the local network. So while it is served (development) and
 * HOST was not set, listen on the loopback interface only.
 */
export function listenHost(config: Pick<AppServices['config'], 'host' | 'hostSet'>, demoReadKey: string | null): { host: string; reason: string | null } {
  if (!demoReadKey || config.hostSet) return { host: config.host, reason: null };
  return {
    host: '127.0.0.1',
    reason: 'development: the demo read key is served (GraphiQL, /dashboard/config.json), so chatgraph listens on 127.0.0.1 only; set HOST (e.g. HOST=0.0.0.0) to listen elsewhere',
  };
}

/** Seals the just-created demo tenant's READ key into $DATA_DIR (development only; best effort). */
export function saveDemoReadKey(services: Services, readKey: string): void {
  if (!enabled(services)) return;
  const file = path.join(services.config.dataDir, DEMO_KEY_FILE);
  try {
    mkdirSync(services.config.dataDir, { recursive: true });
    writeFileSync(file, services.secrets.seal(readKey) + '\n', { mode: 0o600 });
  } catch (err) {
    services.log.warn({ file, err: (err as Error).message }, 'could not keep the demo key for GraphiQL and the dashboard');
  }
}

/** The kept demo READ key when it still authenticates as the demo tenant with READ (development only); else null. */
export async function loadDemoReadKey(services: Services): Promise<string | null> {
  if (!enabled(services)) return null;
  const file = path.join(services.config.dataDir, DEMO_KEY_FILE);
  let key: string;
  try {
    key = services.secrets.open(readFileSync(file, 'utf8').trim());
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') services.log.warn({ file, err: (err as Error).message }, 'the kept demo key cannot be read; not prefilled');
    return null;
  }
  const viewer = await services.authenticator.authenticate(key);
  if (!viewer || viewer.tenantId !== DEMO_TENANT_ID || !viewer.scopes.has('READ')) {
    services.log.info({ file }, 'the kept demo key no longer works (revoked, or another database); not prefilled');
    return null;
  }
  services.log.info('development: GraphiQL and /dashboard open with the demo tenant\'s read key');
  return key;
}
