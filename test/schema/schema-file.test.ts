/**
 * schema.graphql and the generated client code are committed; these tests fail when either
 * no longer matches what `npm run schema` and `npm run codegen` would write.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, test } from 'vitest';
import codegenConfig from '../../codegen.js';
import { renderSchemaFile, schemaFilePath } from '../../scripts/build-schema.js';
import { schema } from '../../src/schema/index.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('schema.graphql', () => {
  test('is what `npm run schema` prints from src/schema/ (run it when this fails)', () => {
    expect(readFileSync(schemaFilePath, 'utf8')).toBe(renderSchemaFile());
  });

  test("keeps every query, mutation and type of the contract's core", () => {
    const contract = buildSchema(
      readFileSync(resolve(root, '..', 'shared', 'api', 'contract.graphql'), 'utf8'),
    );
    const changes = findBreakingChanges(contract, schema).filter(
      // The Subscription type and EventBatch arrive with the subscriptions (src/schema/subscriptions.ts).
      (change) =>
        !/^(Subscription|EventBatch)\b/.test(change.description) || schema.getSubscriptionType() != null,
    );
    expect(changes).toEqual([]);
  });
});

describe('generated client code', () => {
  test('is what `npm run codegen` writes (run it when this fails)', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: root, silent: true }, false)) as {
      filename: string;
      content: string;
    }[];
    // The typed documents and the possibleTypes map for normalized caches (test/clients/).
    expect(outputs.map((output) => output.filename)).toEqual(
      expect.arrayContaining(['test/generated/graphql.ts', 'test/generated/possible-types.ts']),
    );
    for (const output of outputs) {
      expect(readFileSync(resolve(root, output.filename), 'utf8'), output.filename).toBe(output.content);
    }
  }, 60_000);
});
