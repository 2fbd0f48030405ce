// The write path over GraphQL: the same ingest service the webhooks use, with
// typed payloads. A batch is all or nothing: with any invalid item nothing is
// written and `errors` names each item and field.
import { IngestValidationError, type FieldError } from '../ingest/model.ts';
import { normaliseApiMessages, normaliseApiStatusUpdates, type ApiMessageInput, type ApiStatusUpdateInput } from '../ingest/api-input.ts';
import type { IngestSummary } from '../ingest/service.ts';
import { builder } from './builder.ts';
import { ChatTypeEnum, ContentTypeEnum, DirectionEnum, MessageStatusEnum, OriginEnum } from './enums.ts';

interface IngestPayloadShape extends IngestSummary {
  errors: FieldError[];
}

const IngestError = builder.objectRef<FieldError>('IngestError').implement({
  description: 'Why one item of a batch was refused.',
  fields: (t) => ({
    index: t.exposeInt('index', { nullable: true, description: 'Position of the item in the batch; null for the batch itself.' }),
    field: t.exposeString('field', { description: 'Path of the field, e.g. `messages[3].whatsMessageId`.' }),
    message: t.exposeString('message'),
  }),
});

const IngestPayload = builder.objectRef<IngestPayloadShape>('IngestPayload').implement({
  description: 'What a batch did. With errors, nothing was written and the counts are 0.',
  fields: (t) => ({
    inserted: t.exposeInt('inserted', { description: 'Messages stored for the first time.' }),
    updated: t.exposeInt('updated', { description: 'Stored messages whose status moved.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Deliveries that changed nothing.' }),
    pending: t.exposeInt('pending', { description: 'Status updates kept until their message arrives.' }),
    errors: t.field({ type: [IngestError], resolve: (p) => p.errors }),
  }),
});

const ContactProfileInput = builder.inputType('ContactProfileInput', {
  description:
    "The customer's profile, as the CRM knows it. Only the fields given are stored: a field left out keeps the stored value " +
    '(a new contact starts without it), so `{externalId, tags}` changes the tags alone; a field given as null (or "") clears it ' +
    '(`tags: null` stores no tags, `customFields: null` an empty object).',
  fields: (t) => ({
    externalId: t.string({ required: true, description: "The CRM's customer id (a Long) as a decimal string." }),
    name: t.string(),
    whatsId: t.string(),
    ownerName: t.string(),
    income: t.string(),
    profession: t.string(),
    description: t.string(),
    email: t.string(),
    address: t.string(),
    tags: t.stringList({ description: 'Replaces the stored tags (all of them).' }),
    customFields: t.field({ type: 'JSON', description: 'A JSON object; replaces the stored custom fields (all of them), kept in the order given.' }),
  }),
});

const MessageInput = builder.inputType('MessageInput', {
  fields: (t) => ({
    accountWhatsId: t.string({ required: true, description: "The agent's WhatsApp account the chat runs on." }),
    whatsMessageId: t.string({ required: true }),
    friendWhatsId: t.string({ required: true, description: 'The friend, or the group in a group chat.' }),
    friendName: t.string(),
    agentId: t.string(),
    agentAccount: t.string(),
    senderWhatsId: t.string(),
    direction: t.field({ type: DirectionEnum, required: true }),
    chatType: t.field({ type: ChatTypeEnum, required: true }),
    contentType: t.field({ type: ContentTypeEnum, required: true }),
    content: t.string({ required: true, description: 'Text, or the JSON string / vCard text of the legacy content.' }),
    referContent: t.string({ description: 'The quoted message, as a JSON string.' }),
    status: t.field({ type: MessageStatusEnum, required: true }),
    statusAt: t.field({ type: 'DateTime', description: 'When the status was reached; now when omitted.' }),
    origin: t.field({ type: OriginEnum }),
    taskId: t.string(),
    taskInfoId: t.string(),
    chatTime: t.field({ type: 'DateTime', required: true }),
    contact: t.field({ type: ContactProfileInput, description: "The customer's profile: created, or updated with the fields given." }),
  }),
});

const MessageStatusUpdateInput = builder.inputType('MessageStatusUpdateInput', {
  fields: (t) => ({
    whatsMessageId: t.string({ required: true }),
    status: t.field({ type: MessageStatusEnum, required: true }),
    reachedAt: t.field({ type: 'DateTime', description: 'When the status was reached; now when omitted.' }),
    agentId: t.string(),
  }),
});

const empty = { inserted: 0, updated: 0, unchanged: 0, pending: 0 };

async function run(work: () => Promise<IngestSummary>): Promise<IngestPayloadShape> {
  try {
    return { ...(await work()), errors: [] };
  } catch (err) {
    if (err instanceof IngestValidationError) return { ...empty, errors: err.errors };
    throw err;
  }
}

builder.mutationFields((t) => ({
  ingestMessages: t.field({
    type: IngestPayload,
    description: 'Stores messages (idempotent: a repeated message only raises its status). Needs the INGEST scope.',
    authScopes: { ingest: true },
    args: { messages: t.arg({ type: [MessageInput], required: true }) },
    resolve: (_root, args, ctx) =>
      run(() => ctx.services.ingest.store(ctx.viewer!.tenantId, { messages: normaliseApiMessages(args.messages as ApiMessageInput[]) })),
  }),
  updateMessageStatuses: t.field({
    type: IngestPayload,
    description: "Raises messages' statuses (never lowers them); a status for a message not stored yet is kept until it arrives. Needs the INGEST scope.",
    authScopes: { ingest: true },
    args: { updates: t.arg({ type: [MessageStatusUpdateInput], required: true }) },
    resolve: (_root, args, ctx) =>
      run(() =>
        ctx.services.ingest.store(ctx.viewer!.tenantId, { statusUpdates: normaliseApiStatusUpdates(args.updates as ApiStatusUpdateInput[]) }),
      ),
  }),
}));
