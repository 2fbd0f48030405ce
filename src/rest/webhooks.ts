// The three webhooks the CRM pushes: validate and normalise the legacy body,
// authenticate, hand it to the ingest service, answer in the legacy envelope
// only after commit (an acknowledged delivery is stored).
//   POST /webhooks/MSG_SYNC_MESSAGE            signed accessToken in the body
//   POST /webhooks/CLIENT_SYNC_MESSAGE         ingest key, or signature headers
//   POST /webhooks/CLIENT_SYNC_MESSAGE_STATUS  ingest key, or signature headers
import type { ApiKeyAuthenticator } from '../auth/api-keys.ts';
import { bearerToken } from '../auth/api-keys.ts';
import { verifyBodySignatureAny, verifyMsgSyncTokenAny } from '../auth/webhook-signatures.ts';
import type { IngestService } from '../ingest/service.ts';
import { IngestValidationError } from '../ingest/model.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../ingest/msg-sync.ts';
import { normaliseClientSync } from '../ingest/client-sync.ts';
import { normaliseStatusSync } from '../ingest/status-sync.ts';
import { BodyError, parseJsonBody, readText } from '../http/body.ts';
import type { Route } from '../http/routes.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { WebhookSecretResolver } from '../auth/webhook-secrets.ts';
import type { SeenAccessTokens } from '../auth/seen-tokens.ts';
import { TENANT_ID_TEXT, parseTenantId } from '../domain/tenant-id.ts';
import { legacyError, legacyJson } from './envelope.ts';
import { DATABASE_UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/errors.ts';

export const WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface WebhookDeps {
  ingest: IngestService;
  authenticator: ApiKeyAuthenticator;
  timeZone: string;
  log: Logger;
  metrics?: Metrics;
  webhookSecrets: WebhookSecretResolver;
  seenTokens: SeenAccessTokens;
}

export const ACCESS_TOKEN_REUSED =
  'accessToken was already used with another body: a token is good for the body it first came with (sign each delivery with its own timestamp)';

class AuthError extends Error {
  constructor(readonly code: 401 | 403, message: string) {
    super(message);
  }
}

/** The tenant of an array webhook: from an ingest key (header or `?token=`) or from signature headers. */
async function authenticateArrayWebhook(deps: WebhookDeps, request: Request, rawBody: string): Promise<bigint> {
  const url = new URL(request.url);
  const key = bearerToken(request.headers.get('authorization')) ?? request.headers.get('token') ?? url.searchParams.get('token');
  if (key) {
    const viewer = await deps.authenticator.authenticate(key.trim());
    if (!viewer) throw new AuthError(401, 'invalid or revoked API key');
    if (!viewer.scopes.has('INGEST') && !viewer.scopes.has('ADMIN')) throw new AuthError(403, 'this API key lacks the INGEST scope');
    return viewer.tenantId;
  }
  const tenant = request.headers.get('x-chatgraph-tenant');
  const timestamp = request.headers.get('x-chatgraph-timestamp');
  const signature = request.headers.get('x-chatgraph-signature');
  if (tenant || timestamp || signature) {
    // A malformed header is named; a well-formed id of no tenant (0, beyond bigint) is answered as a wrong signature.
    if (!tenant || !TENANT_ID_TEXT.test(tenant)) throw new AuthError(401, 'X-Chatgraph-Tenant must be the tenant id');
    if (!timestamp || !/^\d{1,16}$/.test(timestamp)) throw new AuthError(401, 'X-Chatgraph-Timestamp must be epoch milliseconds');
    if (!signature) throw new AuthError(401, 'X-Chatgraph-Signature is required with X-Chatgraph-Tenant');
    // An unknown tenant is answered as a wrong signature is (webhook-signatures.ts).
    const check = verifyBodySignatureAny(await deps.webhookSecrets.secrets(tenant), tenant, Number(timestamp), rawBody, signature);
    if (!check.ok) throw new AuthError(401, check.reason);
    return parseTenantId(tenant)!;
  }
  throw new AuthError(401, 'authentication required: an ingest key (Authorization: Bearer, header token, or ?token=) or X-Chatgraph-Signature headers');
}

function failure(deps: WebhookDeps, route: string, err: unknown): Response {
  const reason =
    err instanceof BodyError || err instanceof IngestValidationError ? 'invalid'
    : err instanceof AuthError ? 'unauthorized'
    : isDatabaseUnavailable(err) ? 'database_unavailable'
    : 'error';
  deps.metrics?.ingestFailures.inc({ route, reason });
  if (err instanceof BodyError) return legacyError(err.status, err.message);
  if (err instanceof IngestValidationError) return legacyError(400, err.message);
  if (err instanceof AuthError) return legacyError(err.code, err.message);
  if (isDatabaseUnavailable(err)) {
    // Not acknowledged: nothing was committed; the sender retries later.
    deps.log.warn({ route, err: (err as Error).message }, 'webhook refused: database unavailable');
    return legacyError(503, DATABASE_UNAVAILABLE_MESSAGE, { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  deps.log.error({ err, route }, 'webhook failed');
  // Not acknowledged: the sender keeps the delivery and retries.
  return legacyError(500, 'internal error: the delivery was not stored, retry later');
}

export function webhookRoutes(deps: WebhookDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/webhooks/MSG_SYNC_MESSAGE',
      handler: async (request) => {
        try {
          const envelope = readMsgSyncEnvelope(parseJsonBody(await readText(request, WEBHOOK_MAX_BODY_BYTES)));
          const tenantId = envelope.tenantId.toString();
          // An unknown tenant is answered as a wrong token is (webhook-signatures.ts).
          const check = verifyMsgSyncTokenAny(await deps.webhookSecrets.secrets(tenantId), tenantId, envelope.timestamp, envelope.accessToken);
          if (!check.ok) throw new AuthError(401, check.reason);
          const messages = normaliseMsgSync(envelope, deps.timeZone);
          // Valid, but only for the body it first came with (seen-tokens.ts); a refused (400) body does not use it up.
          const use = await deps.seenTokens.use(envelope.tenantId, envelope.accessToken, envelope.timestamp, envelope.data);
          if (use === 'other-body') throw new AuthError(401, ACCESS_TOKEN_REUSED);
          await deps.ingest.store(envelope.tenantId, { messages });
          return legacyJson({ code: 200, message: 'success!', data: '' });
        } catch (err) {
          return failure(deps, 'MSG_SYNC_MESSAGE', err);
        }
      },
    },
    {
      method: 'POST',
      path: '/webhooks/CLIENT_SYNC_MESSAGE',
      handler: async (request) => {
        try {
          const raw = await readText(request, WEBHOOK_MAX_BODY_BYTES);
          const tenantId = await authenticateArrayWebhook(deps, request, raw);
          const messages = normaliseClientSync(parseJsonBody(raw));
          await deps.ingest.store(tenantId, { messages });
          return legacyJson({ data: '', code: 200, message: 'success' });
        } catch (err) {
          return failure(deps, 'CLIENT_SYNC_MESSAGE', err);
        }
      },
    },
    {
      method: 'POST',
      path: '/webhooks/CLIENT_SYNC_MESSAGE_STATUS',
      handler: async (request) => {
        try {
          const raw = await readText(request, WEBHOOK_MAX_BODY_BYTES);
          const tenantId = await authenticateArrayWebhook(deps, request, raw);
          const statusUpdates = normaliseStatusSync(parseJsonBody(raw), new Date());
          await deps.ingest.store(tenantId, { statusUpdates });
          return legacyJson({ data: '', code: 200, message: 'success' });
        } catch (err) {
          return failure(deps, 'CLIENT_SYNC_MESSAGE_STATUS', err);
        }
      },
    },
  ];
}
