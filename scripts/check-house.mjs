// The limits that keep src/ in small rooms (run by .ci/run): no file above 300 lines, imports
// only through the doors ARCHITECTURE.md lists, no import cycle. Cognitive complexity (at most
// 15) is Biome's, in biome.json.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const maxLines = 300;
const problems = [];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry.name)) yield path;
  }
}

for (const path of [...files('src'), ...files('explorer/src')]) {
  const lines = readFileSync(path, 'utf8').split('\n').length - 1;
  if (lines > maxLines) problems.push(`${path}: ${lines} lines (at most ${maxLines})`);
}

// One-way doors: which rooms a room may import from (paths relative to src/). The store knows
// only DynamoDB; the hub knows the store and no transport or GraphQL; consumers' delivery knows
// the store and the hub through their front doors (index.ts; the consumer records' types); the
// schema knows the store, the hub, consumers and the API's errors and limits, never the server
// that runs it. The outbox (the webhook relay) knows consumers' delivery, the store's and the
// hub's types and its own settings; no GraphQL, no server.
const doors = {
  'store/': ['store/'],
  'subscriptions/': ['subscriptions/', 'store/'],
  'consumers/': ['consumers/', 'store/index.ts', 'store/consumers/types.ts', 'subscriptions/index.ts'],
  'outbox/': [
    'outbox/',
    'consumers/index.ts',
    'store/types.ts',
    'store/consumers/types.ts',
    'subscriptions/index.ts',
    'config/webhooks.ts',
  ],
  'schema/': [
    'schema/',
    'store/',
    'subscriptions/',
    'consumers/',
    'builder.ts',
    'context.ts',
    'errors/',
    'plugins/api-limits.ts',
    'plugins/field-cost.ts',
  ],
};
for (const [room, allowed] of Object.entries(doors)) {
  for (const path of files(join('src', room))) {
    const from = path.slice('src/'.length);
    for (const match of readFileSync(path, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = join(from, '..', match[1]).replace(/\.js$/, '.ts');
      if (!allowed.some((door) => target.startsWith(door))) {
        problems.push(`${path} imports ${target}: the ${room} room may import only ${allowed.join(', ')}`);
      }
    }
  }
}

// The explorer is a client of the public API: it imports nothing from src/ (and src/ nothing from it).
for (const path of files('explorer/src')) {
  for (const match of readFileSync(path, 'utf8').matchAll(/from '([^']+)'/g)) {
    if (join(path, '..', match[1]).startsWith('src/'))
      problems.push(`${path} imports ${match[1]}: the explorer uses the API only`);
  }
}
for (const path of files('src')) {
  if (/from '[^']*explorer\//.test(readFileSync(path, 'utf8')))
    problems.push(`${path} imports the explorer's code`);
}

try {
  execFileSync(
    'npx',
    ['madge', '--circular', '--no-spinner', '--extensions', 'ts', '--ts-config', 'tsconfig.json', 'src'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
} catch (error) {
  problems.push(`import cycles in src/:\n${error.stdout?.toString() ?? error.message}`);
}

if (problems.length > 0) {
  console.error(`The house limits are broken:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}
console.log(
  `house: every src/ and explorer/src/ file within ${maxLines} lines, imports through the doors, no import cycle`,
);
