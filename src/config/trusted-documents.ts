/**
 * EVENTLOOM_TRUSTED_DOCUMENTS: a JSON file mapping document ids to document texts, as GraphQL
 * Code Generator's client preset writes it (`persisted-documents.json`, ids `sha256:<hex>` or
 * bare hex). Read once at start; a file that cannot be read or is not such a map is a
 * configuration problem.
 */
import { readFileSync } from 'node:fs';
import type { ReadVariable } from './env.js';

/** Document id -> document text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

export function parseTrustedDocuments(read: ReadVariable, problems: string[]): TrustedDocuments | null {
  const path = read('EVENTLOOM_TRUSTED_DOCUMENTS');
  if (path === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`EVENTLOOM_TRUSTED_DOCUMENTS: cannot read ${path} as JSON (${(error as Error).message}).`);
    return null;
  }
  const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
  if (entries.length === 0 || entries.some(([, text]) => typeof text !== 'string')) {
    problems.push(
      `EVENTLOOM_TRUSTED_DOCUMENTS: ${path} must map document ids to document texts ({ "sha256:<hex>": "query …" }).`,
    );
    return null;
  }
  return new Map(entries as [string, string][]);
}
