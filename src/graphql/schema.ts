// Imports every type file, then builds the schema.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './enums.ts';
import './viewer.ts';
import './admin.ts';
import './ingest.ts';
import './content.ts';
import './message.ts';
import './message-page.ts';
import './search.ts';
import './aggregates.ts';
import './response-times.ts';
import './conversation.ts';
import './agent.ts';
import './contact.ts';
import './subscription.ts';
import './aggregate-subscription.ts';

import { slimResolvers } from './plain-fields.ts';

export const schema = slimResolvers(builder.toSchema());

/** The SDL as committed in schema/schema.graphql. */
export function printSortedSchema(): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
