// Live events, raised by the ingest service after commit. Topics carry the
// tenant, so a subscriber can only ever listen to its own tenant's events.
// In memory by default; across instances through Redis when configured.
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { MessageStatus } from '../domain/status.ts';

export interface MessageAddedEvent {
  /** Message row id (decimal string). */
  messageId: string;
  conversationId: string;
  accountWhatsIdBare: string;
  friendWhatsIdBare: string;
  agentId: string | null;
  agentAccount: string | null;
  whatsMessageId: string;
  status: MessageStatus;
  addedAt: string;
}

export interface MessageStatusChangedEvent {
  messageId: string;
  conversationId: string;
  accountWhatsIdBare: string;
  friendWhatsIdBare: string;
  agentId: string | null;
  agentAccount: string | null;
  whatsMessageId: string;
  previousStatus: MessageStatus;
  status: MessageStatus;
  changedAt: string;
}

export type ChatEvents = {
  messageAdded: [tenantId: string, event: MessageAddedEvent];
  messageStatusChanged: [tenantId: string, event: MessageStatusChangedEvent];
};

export type ChatPubSub = PubSub<ChatEvents>;

export function createLocalPubSub(): ChatPubSub {
  return createPubSub<ChatEvents>();
}
