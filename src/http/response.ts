// Responses of our own routes (webhooks, legacy endpoints, JSON helpers) are
// made with the Response class of Yoga's fetch API (@whatwg-node/fetch),
// not Node's global one (undici): the server adapter writes a string body of
// its own Response with one res.end, whereas a global Response's body is
// pumped through a web ReadableStream — measured on the status webhook,
// 350–380 µs of server CPU per status event against 210–260 (bench:live's
// ingest, 5,000 events).
import { Response as FetchResponse } from '@whatwg-node/fetch';

/** A Response with a text body, as Yoga's fetch API makes it. */
export function textResponse(body: string, init: ResponseInit): Response {
  return new FetchResponse(body, init) as unknown as Response;
}
