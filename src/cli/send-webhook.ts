// chatgraph send-webhook <file> --url http://localhost:4000 --tenant <id> --secret <whsec> | --key <ingest key>
//
// Posts a webhook body from a file, as the CRM would: MSG_SYNC_MESSAGE gets
// its tenantId, timestamp and accessToken (HMAC-SHA256 of "<tenantId>:<timestamp>")
// filled in; the array webhooks carry an ingest key, or with --sign the
// X-Chatgraph-Tenant/-Timestamp/-Signature headers.
import { readFileSync } from 'node:fs';
import { bodySignature, msgSyncAccessToken } from '../auth/webhook-signatures.ts';
import { parseJsonLossless, stringifyJson, toExactDecimalString, type LosslessJsonValue } from '../domain/lossless-json.ts';
import { isObject } from '../ingest/fields.ts';
import { CliError, optionalString, requirePositional, requireString, tenantIdOf, usageError, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { classifyLine } from './records.ts';

const spec: CommandSpec = {
  name: 'send-webhook',
  usage: `usage: chatgraph send-webhook <file> --url <server> [--type <type>] (--secret <whsec> [--tenant <id>] [--sign] | --key <ingest key>)

Sends the JSON body in <file> to the server's webhook and prints the answer.
The webhook is told by the body's shape, or by --type:
  msg-sync      MSG_SYNC_MESSAGE: {"data":[…]}; tenantId (from --tenant, else the
                body's), timestamp (now) and accessToken (signed with --secret) are filled in
  client-sync   CLIENT_SYNC_MESSAGE: [{"whatsApp","friendWhatsApp","content":[…]}]
  status        CLIENT_SYNC_MESSAGE_STATUS: [{"messageId","messageStatus"}]
The array webhooks authenticate with --key (an INGEST key), or with --sign
--secret --tenant (X-Chatgraph-* signature headers over the raw body).
Exits 0 when the server answers code 200, else 1.

  --url <server>     the server, e.g. http://localhost:4000
  --tenant <id>      the tenant (MSG_SYNC and --sign)
  --secret <whsec>   a webhook secret of the tenant
  --key <key>        an API key with the INGEST scope (array webhooks)
  --sign             sign an array webhook with --secret instead of a key
  --type <type>      msg-sync | client-sync | status (default: from the body)`,
  options: {
    url: { type: 'string' },
    tenant: { type: 'string' },
    secret: { type: 'string' },
    key: { type: 'string' },
    sign: { type: 'boolean' },
    type: { type: 'string' },
  },
  positionals: ['file'],
};

const TYPES = {
  'msg-sync': 'MSG_SYNC_MESSAGE',
  'client-sync': 'CLIENT_SYNC_MESSAGE',
  status: 'CLIENT_SYNC_MESSAGE_STATUS',
} as const;
type WebhookType = keyof typeof TYPES;

function typeOf(raw: string | undefined, body: LosslessJsonValue): WebhookType {
  if (raw !== undefined) {
    const normal = raw.toLowerCase().replace(/_/g, '-');
    const byName = Object.entries(TYPES).find(([, name]) => name.toLowerCase().replace(/_/g, '-') === normal)?.[0];
    const type = (normal in TYPES ? normal : byName) as WebhookType | undefined;
    if (!type) throw usageError(`send-webhook: --type must be msg-sync, client-sync or status, got "${raw}"`);
    return type;
  }
  const kind = classifyLine(body);
  if (kind === 'msg-sync' || kind === 'client-sync' || kind === 'status') return kind;
  throw new CliError('send-webhook: cannot tell which webhook this body is for (an object with "data": [...] is MSG_SYNC_MESSAGE; an array of {content: [...]} CLIENT_SYNC_MESSAGE; an array of {messageId, messageStatus} CLIENT_SYNC_MESSAGE_STATUS): pass --type');
}

export const sendWebhookCommand: Command = {
  spec,
  summary: 'sign and send a webhook body from a file to a running server',
  async run(p, io) {
    const file = requirePositional(p, spec, 0);
    const server = requireString(p, spec, 'url');
    if (!/^https?:\/\//.test(server)) throw usageError(`send-webhook: --url must be an http(s) URL, got "${server}"`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`send-webhook: cannot read ${file}: ${(err as Error).message}`);
    }
    let body: LosslessJsonValue;
    try {
      body = parseJsonLossless(text);
    } catch (err) {
      throw new CliError(`send-webhook: ${file} is not valid JSON: ${(err as Error).message}`);
    }
    const type = typeOf(optionalString(p, 'type'), body);
    const secret = optionalString(p, 'secret');
    const key = optionalString(p, 'key');
    const tenantArg = optionalString(p, 'tenant');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let payload: string;
    if (type === 'msg-sync') {
      if (!isObject(body)) throw new CliError('send-webhook: a MSG_SYNC_MESSAGE body must be a JSON object');
      if (!secret) throw usageError('send-webhook: MSG_SYNC_MESSAGE is signed: --secret <webhook secret> is required');
      const tenant = tenantArg !== undefined ? tenantIdOf(spec, tenantArg).toString() : toExactDecimalString(body.tenantId);
      if (!tenant) throw usageError('send-webhook: --tenant is required (the body has no tenantId)');
      const timestamp = Date.now();
      const { accessToken: _a, tenantId: _t, timestamp: _ts, ...rest } = body;
      // tenantId as a JSON number, exactly (a bigint beyond 2^53 stays exact).
      const tenantValue = Number.isSafeInteger(Number(tenant)) ? Number(tenant) : BigInt(tenant);
      payload = stringifyJson({ accessToken: msgSyncAccessToken(secret, tenant, timestamp), tenantId: tenantValue, timestamp, ...rest });
    } else {
      payload = text;
      if (p.values.sign) {
        if (!secret) throw usageError('send-webhook: --sign needs --secret');
        const tenant = tenantIdOf(spec, tenantArg ?? '', '--tenant').toString();
        const timestamp = Date.now();
        headers['x-chatgraph-tenant'] = tenant;
        headers['x-chatgraph-timestamp'] = String(timestamp);
        headers['x-chatgraph-signature'] = bodySignature(secret, timestamp, payload);
      } else if (key) {
        headers.authorization = `Bearer ${key}`;
      } else {
        throw usageError(`send-webhook: ${TYPES[type]} needs --key <ingest key>, or --sign --secret <whsec> --tenant <id>`);
      }
    }
    const url = new URL(`/webhooks/${TYPES[type]}`, server);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`send-webhook: cannot reach ${url.href}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const answer = await res.text();
    write(io.stderr, `POST ${url.href} → HTTP ${res.status}`);
    write(io.stdout, answer);
    let code: unknown = null;
    try {
      code = (JSON.parse(answer) as { code?: unknown }).code;
    } catch {
      // not JSON: the status decides
    }
    if (!(res.ok && code === 200)) process.exitCode = 1;
  },
};
