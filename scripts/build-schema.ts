/**
 * Prints the Pothos schema to schema.graphql (`npm run schema`). The file is committed: it is
 * what clients generate code from; test/schema/schema-file.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printSchema } from 'graphql';
import { sortedSchema } from '../src/schema/index.js';

export const schemaFilePath = resolve(fileURLToPath(import.meta.url), '..', '..', 'schema.graphql');

export function renderSchemaFile(): string {
  return `# The eventloom GraphQL API, printed from src/schema/ by \`npm run schema\`. Do not edit.\n\n${printSchema(sortedSchema)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(schemaFilePath, renderSchemaFile());
  console.log(`wrote ${schemaFilePath}`);
}
