// A caller's mistake, in one form everywhere: a GraphQLError with code
// BAD_USER_INPUT whose message names the argument or field at fault. The
// legacy REST adapters answer it with their 400 envelope
// (src/rest/legacy-operation.ts); nothing masks it as an unexpected error.
import { GraphQLError } from 'graphql';

export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
