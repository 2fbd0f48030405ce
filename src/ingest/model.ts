// The one internal shape every entry point normalises into before the ingest
// service stores it: webhooks, GraphQL mutations and imports alike.
import type { ChatType, Direction, Origin } from '../domain/codes.ts';
import type { ContentType } from '../domain/content-type.ts';
import { parseContent, searchTextOf, type ParsedContent } from '../domain/content.ts';
import type { MessageStatus } from '../domain/status.ts';
import { bareWhatsId } from '../domain/whats-id.ts';

export type IngestSource = 'MSG_SYNC' | 'CLIENT_SYNC' | 'API' | 'IMPORT';

/**
 * The CRM's profile of a customer. MSG_SYNC_MESSAGE's userProfile gives every
 * field (one it lacks is stored empty); the GraphQL mutation gives some: a
 * field absent (undefined) keeps the stored value, and a new contact starts
 * without it (chatgraph_contact_patch in prisma/sql/store-batch.sql).
 */
export interface ContactInput {
  /** userProfile.id as an exact decimal string. */
  externalId: string;
  name?: string | null;
  /** Given together with whatsIdBare. */
  whatsId?: string | null;
  whatsIdBare?: string | null;
  ownerName?: string | null;
  income?: string | null;
  profession?: string | null;
  description?: string | null;
  email?: string | null;
  address?: string | null;
  tags?: string[];
  /** Given together with extendsMap. */
  customFields?: Record<string, unknown>;
  extendsMap?: string | null;
}

export interface MessageInput {
  whatsMessageId: string;
  syncId: string | null;
  agentId: string | null;
  agentAccount: string | null;
  accountWhatsId: string;
  accountWhatsIdBare: string;
  senderWhatsId: string | null;
  friendWhatsId: string;
  friendWhatsIdBare: string;
  friendName: string | null;
  direction: Direction;
  chatType: ChatType;
  contentType: ContentType;
  /** The content-type code as the sender numbered it. */
  legacyContentType: number;
  content: string;
  referContent: string | null;
  parsedContent: ParsedContent;
  searchText: string;
  status: MessageStatus;
  /** When `status` was reached, as far as the sender tells. */
  statusAt: Date;
  origin: Origin | null;
  taskId: string | null;
  taskInfoId: string | null;
  source: IngestSource;
  chatTime: Date;
  contact: ContactInput | null;
}

/** What follows from a message's other fields: its bare ids, typed content and search text. */
type Derived = 'accountWhatsIdBare' | 'friendWhatsIdBare' | 'parsedContent' | 'searchText';
/** Fields an entry point may leave out: none (null). */
type Optional = 'syncId' | 'agentId' | 'agentAccount' | 'senderWhatsId' | 'friendName' | 'referContent' | 'origin' | 'taskId' | 'taskInfoId' | 'contact';

/** What an entry point says of a message. */
export type MessageFields = Omit<MessageInput, Derived | Optional> & Partial<Pick<MessageInput, Optional>>;

/**
 * The one way a message is built: the fields left out are null, the bare
 * ids, typed content (with its quoted message) and search text follow from
 * the rest.
 */
export function messageInput(fields: MessageFields): MessageInput {
  const referContent = fields.referContent ?? null;
  const parsedContent = parseContent(fields.contentType, fields.content, referContent);
  return {
    ...fields,
    syncId: fields.syncId ?? null,
    agentId: fields.agentId ?? null,
    agentAccount: fields.agentAccount ?? null,
    senderWhatsId: fields.senderWhatsId ?? null,
    friendName: fields.friendName ?? null,
    referContent,
    origin: fields.origin ?? null,
    taskId: fields.taskId ?? null,
    taskInfoId: fields.taskInfoId ?? null,
    contact: fields.contact ?? null,
    accountWhatsIdBare: bareWhatsId(fields.accountWhatsId),
    friendWhatsIdBare: bareWhatsId(fields.friendWhatsId),
    parsedContent,
    searchText: searchTextOf(parsedContent),
  };
}

/** Who sent a message that does not say (CLIENT_SYNC, msgPage records): the account when sent, the friend in a one-to-one chat when received, unknown in a group. */
export function impliedSender(m: Pick<MessageInput, 'direction' | 'chatType' | 'accountWhatsId' | 'friendWhatsId'>): string | null {
  return m.direction === 'OUTBOUND' ? m.accountWhatsId : m.chatType === 'PRIVATE' ? m.friendWhatsId : null;
}

/**
 * The status of a message first seen without one (CLIENT_SYNC, msgPage
 * records): the client syncs a message as it sends or receives it, so an
 * outgoing one is not yet on WhatsApp's server, an incoming one has been
 * delivered. Statuses only rise: a later webhook still raises it.
 */
export function firstSeenStatus(direction: Direction): MessageStatus {
  return direction === 'OUTBOUND' ? 'PENDING' : 'DELIVERED';
}

/** A message's status moved (CLIENT_SYNC_MESSAGE_STATUS); matched on the WhatsApp message id within the tenant. */
export interface StatusUpdateInput {
  whatsMessageId: string;
  status: MessageStatus;
  reachedAt: Date;
  agentId: string | null;
}

/** One problem with one item of a batch: `index` is the item's position (null for the envelope). */
export interface FieldError {
  index: number | null;
  field: string;
  message: string;
}

/** A batch was refused; nothing of it was written. */
export class IngestValidationError extends Error {
  override name = 'IngestValidationError';
  constructor(readonly errors: FieldError[]) {
    super(describeFieldErrors(errors));
  }
}

/** One line for a legacy envelope: the first problem, and how many more. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  const [first] = errors;
  if (!first) return 'invalid request';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return `${first.field}: ${first.message}${more}`;
}
