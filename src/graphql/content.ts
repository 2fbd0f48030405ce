// A message's typed content: a union over what src/domain/content.ts parses.
import type {
  CallContent, ContactCard, ContactCardContent, ContactPhone, LocationContent, MediaContent, MediaFields,
  ParsedContent, QuoteContent, QuotedMessage, RawContent, TextContent, UnsupportedContent,
} from '../domain/content.ts';
import { builder } from './builder.ts';

const TextContentRef = builder.objectRef<TextContent>('TextContent').implement({
  fields: (t) => ({ text: t.exposeString('text') }),
});

export const MediaContentRef = builder.objectRef<MediaContent | MediaFields>('MediaContent').implement({
  description: 'An image, video, audio, file, sticker, voice note or GIF.',
  fields: (t) => ({
    filename: t.exposeString('filename', { nullable: true, description: 'None when the sender gave "" or "null".' }),
    url: t.exposeString('url', { nullable: true }),
    mimeType: t.exposeString('mimeType', { nullable: true, description: 'As given: "image/png", or a bare kind such as "audio".' }),
    caption: t.exposeString('caption', { nullable: true }),
  }),
});

const ContactPhoneRef = builder.objectRef<ContactPhone>('ContactPhone').implement({
  fields: (t) => ({
    number: t.exposeString('number', { nullable: true }),
    whatsId: t.exposeString('whatsId', { nullable: true, description: 'The WhatsApp id (waid) of the number.' }),
  }),
});

const ContactCardRef = builder.objectRef<ContactCard>('ContactCard').implement({
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    businessName: t.exposeString('businessName', { nullable: true }),
    phones: t.expose('phones', { type: [ContactPhoneRef] }),
  }),
});

const ContactCardContentRef = builder.objectRef<ContactCardContent>('ContactCardContent').implement({
  description: 'One or more vCards.',
  fields: (t) => ({ cards: t.field({ type: [ContactCardRef], resolve: (c) => c.cards }) }),
});

export const QuotedMessageRef = builder.objectRef<QuotedMessage>('QuotedMessage').implement({
  description: 'The message a reply quotes, as the reply carries it.',
  fields: (t) => ({
    messageId: t.exposeString('messageId', { nullable: true, description: 'WhatsApp message id of the quoted message.' }),
    whatsId: t.exposeString('whatsId', { nullable: true, description: 'Who wrote the quoted message.' }),
    contentType: t.string({ nullable: true, description: "The quoted message's type code as the sender numbered it.", resolve: (q) => (q.contentType == null ? null : String(q.contentType)) }),
    text: t.exposeString('text', { nullable: true }),
    caption: t.exposeString('caption', { nullable: true }),
    filename: t.exposeString('filename', { nullable: true }),
    url: t.exposeString('url', { nullable: true }),
    mimeType: t.exposeString('mimeType', { nullable: true }),
  }),
});

export const QuoteContentRef = builder.objectRef<QuoteContent>('QuoteContent').implement({
  description: 'A reply quoting another message.',
  fields: (t) => ({
    text: t.exposeString('text', { nullable: true }),
    caption: t.exposeString('caption', { nullable: true }),
    media: t.expose('media', { type: MediaContentRef, nullable: true }),
    quoted: t.expose('quoted', { type: QuotedMessageRef, nullable: true }),
  }),
});

const CallContentRef = builder.objectRef<CallContent>('CallContent').implement({
  fields: (t) => ({
    video: t.exposeBoolean('video', { nullable: true }),
    duration: t.exposeFloat('duration', { nullable: true, description: 'As the sender gave it.' }),
    caption: t.exposeString('caption', { nullable: true }),
  }),
});

const LocationContentRef = builder.objectRef<LocationContent>('LocationContent').implement({
  fields: (t) => ({
    latitude: t.exposeFloat('latitude', { nullable: true }),
    longitude: t.exposeFloat('longitude', { nullable: true }),
    name: t.exposeString('name', { nullable: true }),
    address: t.exposeString('address', { nullable: true }),
    url: t.exposeString('url', { nullable: true }),
  }),
});

const UnsupportedContentRef = builder.objectRef<UnsupportedContent | RawContent>('UnsupportedContent').implement({
  description: 'Content of a type WhatsApp does not support, or that could not be read; `raw` is the content as it came.',
  fields: (t) => ({ raw: t.string({ resolve: (c) => c.raw ?? '' }) }),
});

export const MessageContentUnion = builder.unionType('MessageContent', {
  types: [TextContentRef, MediaContentRef, ContactCardContentRef, QuoteContentRef, CallContentRef, LocationContentRef, UnsupportedContentRef],
  resolveType: (content) => {
    switch ((content as ParsedContent).kind) {
      case 'text': return TextContentRef;
      case 'media': return MediaContentRef;
      case 'contactCard': return ContactCardContentRef;
      case 'quote': return QuoteContentRef;
      case 'call': return CallContentRef;
      case 'location': return LocationContentRef;
      default: return UnsupportedContentRef;
    }
  },
});
