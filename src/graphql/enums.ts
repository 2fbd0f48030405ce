// The unified code tables as GraphQL enums (values as in src/domain/).
import { CHAT_TYPES, DIRECTIONS, ORIGINS } from '../domain/codes.ts';
import { CONTENT_TYPES } from '../domain/content-type.ts';
import { MESSAGE_STATUSES } from '../domain/status.ts';
import { builder } from './builder.ts';

export const ContentTypeEnum = builder.enumType('ContentType', {
  description: 'What a message holds; one enum over the msgPage and client numberings.',
  values: CONTENT_TYPES,
});

export const MessageStatusEnum = builder.enumType('MessageStatus', {
  description: 'PENDING (not yet on WhatsApp\'s server) < SENT < DELIVERED < READ; a status only moves forward.',
  values: MESSAGE_STATUSES,
});

export const DirectionEnum = builder.enumType('Direction', {
  description: 'OUTBOUND: sent by the agent; INBOUND: received from the friend.',
  values: DIRECTIONS,
});

export const ChatTypeEnum = builder.enumType('ChatType', {
  description: 'PRIVATE: one-to-one; GROUP: a group chat.',
  values: CHAT_TYPES,
});

export const OriginEnum = builder.enumType('Origin', {
  description: 'Where the agent sent from.',
  values: ORIGINS,
});
