// The one internal shape every entry point normalises into before the ingest
// service stores it: webhooks, GraphQL mutations and imports alike.
import type { ChatType, Direction, Origin } from '../domain/codes.ts';
import type { ContentType } from '../domain/content-type.ts';
import type { ParsedContent } from '../domain/content.ts';
import type { MessageStatus } from '../domain/status.ts';

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
