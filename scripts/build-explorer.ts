/**
 * Builds the explorer page (explorer/) into dist/explorer/: one minified script, one style
 * sheet and index.html. `npm start` runs it first (prestart), the test run's global setup
 * too, so `npm install && npm start` and `npm test` need nothing else. Run alone, it prints
 * the bundle's size, raw and gzipped (the README states it).
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const explorerDist = join(root, 'dist', 'explorer');

/** Builds the bundle; resolves with the files written and their sizes. */
export async function buildExplorer(): Promise<Record<string, { bytes: number; gzip: number }>> {
  await mkdir(explorerDist, { recursive: true });
  await build({
    entryPoints: { explorer: join(root, 'explorer', 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: explorerDist,
    logLevel: 'warning',
    legalComments: 'none',
  });
  await copyFile(join(root, 'explorer', 'index.html'), join(explorerDist, 'index.html'));
  const sizes: Record<string, { bytes: number; gzip: number }> = {};
  for (const file of ['index.html', 'explorer.js', 'explorer.css']) {
    const content = await readFile(join(explorerDist, file));
    sizes[file] = { bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildExplorer();
  const total = Object.values(sizes).reduce((sum, size) => sum + size.gzip, 0);
  for (const [file, size] of Object.entries(sizes)) {
    console.log(
      `explorer: ${file} ${(size.bytes / 1024).toFixed(1)} KiB, gzip ${(size.gzip / 1024).toFixed(1)} KiB`,
    );
  }
  console.log(`explorer: built in dist/explorer/, ${(total / 1024).toFixed(1)} KiB gzipped in all`);
}
