// The limits that keep src/ in small rooms (run by .ci/run): no file above 300 lines, no
// import cycle. Cognitive complexity (at most 15) is Biome's, in biome.json.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const maxLines = 300;
const problems = [];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield path;
  }
}

for (const path of files('src')) {
  const lines = readFileSync(path, 'utf8').split('\n').length - 1;
  if (lines > maxLines) problems.push(`${path}: ${lines} lines (at most ${maxLines})`);
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
console.log(`house: every src/ file within ${maxLines} lines, no import cycle`);
