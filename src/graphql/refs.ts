// The object types that refer to each other, declared once so each noun's
// file can implement its own and use the others'.
import type { ContactRow } from '../read/contacts.ts';
import type { ConversationRow } from '../read/conversations.ts';
import type { MessageRow } from '../read/messages.ts';
import { builder } from './builder.ts';

export const MessageRef = builder.objectRef<MessageRow>('Message');
export const ConversationRef = builder.objectRef<ConversationRow>('Conversation');
export const ContactRef = builder.objectRef<ContactRow>('Contact');

/**
 * The Message fields that read the tenant's agent directory (defined in
 * src/graphql/agent.ts): a page of messages selecting one of them reads the
 * directory in its own statement (wantsAgentDirectory, src/graphql/message.ts).
 */
export const DIRECTORY_MESSAGE_FIELDS = ['agent', 'agentSeatId', 'agentLogin'] as const;
