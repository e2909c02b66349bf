import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';

/**
 * The production folders and the layer each sits in: a file imports its own layer or those
 * below it, never above (api → workflows/activities → ledger/psp/store/webhooks → domain/infra).
 */
const LAYERS: Record<string, number> = {
  domain: 0,
  infra: 0,
  ledger: 1,
  psp: 1,
  store: 1,
  webhooks: 1,
  activities: 2,
  workflows: 2,
  api: 3,
  worker: 3,
  sandbox: 3,
};

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

/** Each relative import of a file, as the top folder it lands in. */
function importedFolders(file: string): Array<{ folder: string; specifier: string }> {
  const text = readFileSync(file, 'utf8');
  const found: Array<{ folder: string; specifier: string }> = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const specifier = match[1] ?? '';
    const target = relative(repoRoot, resolve(dirname(file), specifier));
    found.push({ folder: target.split('/')[0] ?? '', specifier });
  }
  return found;
}

const imports = Object.keys(LAYERS).flatMap((folder) =>
  [...sourceFiles(join(repoRoot, folder))].flatMap((file) =>
    importedFolders(file).map((edge) => ({
      from: folder,
      file: relative(repoRoot, file),
      ...edge,
    })),
  ),
);

it('production code never imports the dev scripts, the local servers, the tests or the benchmarks', () => {
  const wrong = imports.filter((i) => ['scripts', 'devstack', 'test', 'bench'].includes(i.folder));
  expect(wrong.map((i) => `${i.file} → ${i.specifier}`)).toEqual([]);
});

it('imports point one way: no layer imports one above it', () => {
  const upward = imports.filter(
    (i) => i.folder in LAYERS && (LAYERS[i.folder] ?? 0) > (LAYERS[i.from] ?? 0),
  );
  expect(upward.map((i) => `${i.file} → ${i.specifier}`)).toEqual([]);
});

it('nothing in production imports the sandbox PSP; infra and domain import only the bottom layer', () => {
  const wrong = imports.filter(
    (i) =>
      (i.folder === 'sandbox' && i.from !== 'sandbox') ||
      (['infra', 'domain'].includes(i.from) && !['infra', 'domain'].includes(i.folder)),
  );
  expect(wrong.map((i) => `${i.file} → ${i.specifier}`)).toEqual([]);
});
