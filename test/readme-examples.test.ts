// The README's client code is the code in examples/, which CI typechecks under strict: each
// example file appears in the README verbatim, so the two cannot drift apart.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = new URL('../examples/', import.meta.url);

describe('README examples', () => {
  const files = readdirSync(examples).filter((name) => name.endsWith('.ts'));

  test('there are examples', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)('examples/%s is quoted whole in the README', (name) => {
    const code = readFileSync(new URL(name, examples), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${code}\`\`\``);
  });
});
