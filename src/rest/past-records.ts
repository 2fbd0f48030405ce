// retrievePastRecords: POST /xd/client/retrievePastRecords — one agent's
// messages (with one contact, on one local day) page by page, for the agent
// console (docs/legacy-api.md §5). A thin adapter like msgPage: the body
// becomes `messagePage` variables, schema/operations/past-records.graphql runs
// through the /graphql pipeline, and the answer is written in this endpoint's
// own envelope (`msg` first, times as Java's Date.toString()).
//
// Decisions where the seed is silent (README "Legacy endpoints"):
// - newest first, like msgPage: page 1 holds the latest messages;
// - convType is echoed back and does not filter (the seed's only value,
//   "biDirFriend", names every conversation this server stores);
// - lastSendTime: the newest chat time among all the matching messages (not
//   only this page's); null when none match;
// - receName: the name of the contact receId names; null without receId or
//   when the contact is unknown or nameless;
// - custServId, convType, occDate and receId echo the request (null when not given).
import { senderCodeOf } from '../domain/codes.ts';
import { formatJavaDate, parseLocalDay } from '../domain/local-time.ts';
import { contReadStateOf } from '../domain/status.ts';
import { PastRecordsDocument, type MessageWhere, type PastRecordsQuery } from '../generated/graphql/graphql.ts';
import type { Route } from '../http/routes.ts';
import type { Logger } from '../log.ts';
import { MAX_OFFSET_PAGE_SIZE } from '../read/pagination.ts';
import { MAX_PAGE_NUMBER } from './msg-page.ts';
import { legacyJson } from './envelope.ts';
import { LegacyFields, legacyApiKey, legacyFailureOf, readLegacyObject, runLegacyOperation, type LegacyObject } from './legacy-operation.ts';

export const PAST_RECORDS_PATH = '/xd/client/retrievePastRecords';

export interface PastRecordsRequest {
  /** The agent (customer-service seat) id. */
  custServId: string;
  /** A local day "YYYY-MM-DD" in the legacy time zone. */
  oocDate: string | null;
  convType: string | null;
  /** The contact's CRM id (userProfile.id). */
  receId: string | null;
  pageNo: number;
  pageSize: number;
}

/** The legacy body, checked; a 400 naming the field for anything wrong. */
export function readPastRecordsRequest(body: LegacyObject, timeZone: string): PastRecordsRequest {
  const r = new LegacyFields(body);
  let custServId: string | null = null;
  if (!r.given('custServId')) r.fail('custServId', 'is required (the agent id)');
  else custServId = typeof r.raw('custServId') === 'string' ? r.string('custServId', { id: true }) : r.id('custServId');
  const oocDate = r.string('oocDate', { max: 32 });
  if (oocDate !== null && !parseLocalDay(oocDate, timeZone)) r.fail('oocDate', `must be a date "YYYY-MM-DD", got "${oocDate}"`);
  const convType = r.string('convType', { max: 64 });
  const receId = r.id('receId');
  // The seed's example spells it `pageno`: both are accepted.
  const pageNo = r.integer('pageNo', { min: 1, max: MAX_PAGE_NUMBER });
  const pageno = r.integer('pageno', { min: 1, max: MAX_PAGE_NUMBER });
  if (!r.given('pageNo') && !r.given('pageno')) r.fail('pageNo', 'is required (the page number, from 1; `pageno` is accepted too)');
  else if (pageNo !== null && pageno !== null && pageNo !== pageno) r.problem(`pageNo (${pageNo}) and pageno (${pageno}) differ: send one of them`);
  const pageSize = r.integer('pageSize', { min: 1, max: MAX_OFFSET_PAGE_SIZE });
  if (!r.given('pageSize')) r.fail('pageSize', `is required (1 to ${MAX_OFFSET_PAGE_SIZE})`);
  r.check();
  return { custServId: custServId!, oocDate, convType, receId, pageNo: (pageNo ?? pageno)!, pageSize: pageSize! };
}

/** The operation's variables. */
export function pastRecordsVariables(request: PastRecordsRequest) {
  // The seat's messages through the agent directory: those naming the seat
  // (CLIENT_SYNC) and those naming its agent's login on the seat's accounts
  // (MSG_SYNC names the login only), so both directions.
  const where: MessageWhere = { agentSeatId: request.custServId };
  if (request.oocDate) where.day = request.oocDate;
  if (request.receId) where.contactExternalId = request.receId;
  return { where, page: request.pageNo, pageSize: request.pageSize, receId: request.receId ?? '', withContact: request.receId !== null };
}

/** The success envelope, keys in the seed's order. */
export function pastRecordsResponse(data: PastRecordsQuery, request: PastRecordsRequest, timeZone: string) {
  const latest = data.latest.nodes[0];
  return {
    msg: '操作成功',
    code: 200,
    data: {
      custServId: request.custServId,
      convType: request.convType,
      occDate: request.oocDate,
      receId: request.receId,
      lastSendTime: latest ? formatJavaDate(new Date(latest.chatTime), timeZone) : null,
      receName: data.contact?.name ?? null,
      total: data.records.totalCount,
      pageno: request.pageNo,
      pageSize: request.pageSize,
      contGroups: data.records.nodes.map((node) => ({
        contentType: String(node.clientContentType),
        content: node.rawContent,
        sendTime: formatJavaDate(new Date(node.chatTime), timeZone),
        contReadState: contReadStateOf(node.status),
        sender: senderCodeOf(node.direction),
      })),
    },
  };
}

/** This endpoint's error form: its success envelope's shape, `{"msg","code","data":null}`. */
function pastRecordsError(code: number, msg: string): Response {
  return legacyJson({ msg, code, data: null }, code);
}

export function pastRecordsRoute(deps: { log: Logger; timeZone: string }): Route {
  return {
    method: 'POST',
    path: PAST_RECORDS_PATH,
    handler: async (request, yoga) => {
      try {
        const apiKey = legacyApiKey(request);
        const pastRecords = readPastRecordsRequest(await readLegacyObject(request), deps.timeZone);
        const data = await runLegacyOperation(
          yoga,
          { document: PastRecordsDocument, variables: pastRecordsVariables(pastRecords), apiKey, request },
          deps.log,
        );
        return legacyJson(pastRecordsResponse(data, pastRecords, deps.timeZone));
      } catch (err) {
        const failure = legacyFailureOf(err, deps.log, 'retrievePastRecords');
        return pastRecordsError(failure.code, failure.message);
      }
    },
  };
}
