// Types the GraphQL operations the server runs itself (schema/operations/,
// used by the legacy REST adapters) and those the tests send, from the
// committed SDL. Output: src/generated/graphql/ (TypedDocumentNode documents).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/**/*.graphql'],
  ignoreNoDocuments: true,
  // ESM with explicit extensions, as the rest of the code.
  importExtension: '.ts',
  generates: {
    'src/generated/graphql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
        strictScalars: true,
      },
    },
  },
};

export default config;
