// The dataset's (src/demo/dataset.ts) options, world and payload types.
import type { MsgPageCode, ClientCode, StatusCode } from './dataset.ts';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export interface DatasetOptions {
  /** PRNG seed; the same seed (and options) gives byte-identical output. */
  seed: number | string;
  tenants: number;
  agentsPerTenant: number;
  accountsPerAgent: number;
  contactsPerTenant: number;
  groupsPerTenant: number;
  /** Total messages over all tenants. */
  messages: number;
  /** Epoch ms of the first possible chat time. */
  startTime: number;
  spanDays: number;
  /** Share of outbound messages that later receive 2 → 3 → 4 status updates. */
  statusUpdateRatio: number;
  /** Zipf exponent for conversation sizes (weight of rank r is r^-s). */
  zipfExponent: number;
}

export const DEFAULT_OPTIONS: Readonly<DatasetOptions> = {
  seed: 1,
  tenants: 3,
  agentsPerTenant: 20,
  accountsPerAgent: 2,
  contactsPerTenant: 5000,
  groupsPerTenant: 50,
  messages: 100_000,
  startTime: Date.parse('2024-01-01T00:00:00+08:00'),
  spanDays: 180,
  statusUpdateRatio: 0.5,
  zipfExponent: 0.9,
};

export interface UserProfile {
  /** CRM customer id (a Java Long; 0n when the friend has no CRM profile). */
  id: bigint;
  name: string;
  whatsApp: string;
  username: string;
  extendsMap: string;
  income: string;
  profession: string;
  desc: string;
  tags: string[];
  email: string;
  address: string;
}

export interface Agent {
  tenantId: number;
  userId: number;
  userName: string;
  accounts: Account[];
}

export interface Account {
  tenantId: number;
  /** As it appears in payloads (some carry "@c.us"). */
  whatsId: string;
  bareId: string;
  agent: Agent;
}

export interface Contact {
  tenantId: number;
  /** CRM id, null for a stranger without a profile (userProfile.id is then 0). */
  externalId: bigint | null;
  externalIdText: string | null;
  /** As it appears in friendWhatsId (some carry "@c.us"). */
  whatsId: string;
  bareId: string;
  name: string;
  owner: Agent;
  /** Frozen; shared by every message to this contact. */
  profile: Readonly<UserProfile>;
  profileJson: string;
}

export interface Group {
  tenantId: number;
  /** "120363…" with or without "@g.us". */
  whatsId: string;
  bareId: string;
  name: string;
  /** Members' WhatsApp ids ("…@c.us"): senders of inbound group messages. */
  members: string[];
  profile: Readonly<UserProfile>;
  profileJson: string;
}

export interface Task {
  id: bigint;
  infoBase: bigint;
}

export interface Tenant {
  id: number;
  name: string;
  agents: Agent[];
  accounts: Account[];
  contacts: Contact[];
  groups: Group[];
  tasks: Task[];
  /** Messages of this tenant (sum of its conversations). */
  messageCount: number;
}

export interface Conversation {
  index: number;
  tenant: Tenant;
  account: Account;
  contact: Contact | null;
  group: Group | null;
  chatType: 1 | 2;
  friendWhatsId: string;
  friendName: string;
  messageCount: number;
  /** Chat-time window (epoch ms) the messages are spread over. */
  windowStart: number;
  windowEnd: number;
}

export interface MsgSyncItem {
  id: string;
  messageId: string;
  userName: string;
  whatsId: string;
  friendWhatsId: string;
  currentWhatsId: string;
  actionType: 1 | 2;
  chatType: 1 | 2;
  messageStatus: 1 | 3 | 4;
  content: string;
  contentType: MsgPageCode;
  originType: 1 | 2 | 3;
  sendTime: string;
  userProfile: Readonly<UserProfile>;
  taskId: bigint | 0 | null;
  taskInfoId: bigint | 0 | null;
}

export interface MsgSyncBody {
  accessToken: string;
  tenantId: number;
  timestamp: number;
  data: MsgSyncItem[];
}

export interface ClientContentItem {
  type: ClientCode;
  text?: string;
  url?: string;
  messageId: string;
  time: number;
  referContent?: string;
}

export interface ClientSyncItem {
  userId: string;
  whatsApp: string;
  friendWhatsApp: string;
  actionType: 1 | 2;
  chatType: 1 | 2;
  taskId: string;
  taskInfoId: string;
  content: ClientContentItem[];
}

export interface StatusItem {
  userId: string;
  taskId: string;
  taskInfoId: string;
  messageStatus: StatusCode;
  messageId: string;
}

export interface MessageRow {
  tenantId: number;
  accountWhatsId: string;
  friendWhatsId: string;
  /** Who sent it: the account, the contact, or (group, inbound) a member. */
  senderWhatsId: string;
  friendName: string;
  messageId: string;
  /** MSG_SYNC data item id (32 hex). */
  syncId: string;
  /** Epoch ms (whole seconds, so sendTime round-trips). */
  chatTime: number;
  sendTime: string;
  direction: 'OUTBOUND' | 'INBOUND';
  actionType: 1 | 2;
  chatType: 1 | 2;
  contentType: MsgPageCode;
  /** Content as MSG_SYNC / msgPage carry it. */
  content: string;
  /** Final unified status 1 PENDING, 2 SENT, 3 DELIVERED, 4 READ (after every status update). */
  status: StatusCode;
  originType: 1 | 2 | 3;
  agentUserId: number;
  agentUserName: string;
  contactExternalId: string | null;
  taskId: string | null;
  taskInfoId: string | null;
  conversationIndex: number;
}

export interface MsgSyncBatch {
  kind: 'msg-sync';
  tenantId: number;
  body: MsgSyncBody;
  /** Exact JSON text of body (accessToken "" and timestamp 0). */
  json: string;
  /** Items that are re-pushes of an earlier message with a newer status. */
  repushes: number;
  /** The JSON text with tenantId, timestamp and accessToken filled in. */
  sign(tenantId: number | bigint | string, timestamp: number, token: string): string;
}

export interface ClientSyncBatch {
  kind: 'client-sync';
  tenantId: number;
  body: ClientSyncItem[];
  json: string;
  /** Content items (messages) in the body. */
  messages: number;
}

export interface StatusBatch {
  kind: 'status';
  tenantId: number;
  body: StatusItem[];
  json: string;
}

export type AnyBatch = MsgSyncBatch | ClientSyncBatch | StatusBatch;

export interface BatchOptions {
  /** Messages (or status items) per webhook body; MSG_SYNC caps it at 50. Default 50. */
  batchSize?: number;
}

export interface Dataset {
  readonly options: Readonly<DatasetOptions>;
  readonly tenants: readonly Tenant[];
  readonly conversations: readonly Conversation[];
  readonly totalMessages: number;
  readonly startTime: number;
  readonly endTime: number;
  /** MSG_SYNC_MESSAGE bodies, each message once; with repushStatus, outbound messages with status updates are re-pushed with messageStatus 3 and 4. */
  msgSyncBatches(opts?: BatchOptions & { repushStatus?: boolean }): Generator<MsgSyncBatch>;
  /** CLIENT_SYNC_MESSAGE bodies, each message once; consecutive messages of one conversation share an element. */
  clientSyncBatches(opts?: BatchOptions): Generator<ClientSyncBatch>;
  /** CLIENT_SYNC_MESSAGE_STATUS bodies in the order they would follow the message stream. */
  statusBatches(opts?: BatchOptions): Generator<StatusBatch>;
  /** Message bodies (msg-sync or client-sync) interleaved with status bodies; a status body never precedes the body carrying its message. */
  mixedBatches(opts?: BatchOptions & { kind?: 'msg-sync' | 'client-sync'; repushStatus?: boolean }): Generator<AnyBatch>;
  /** One flat, normalised row per message, in chat-time order. */
  messageRows(): Generator<MessageRow>;
}
