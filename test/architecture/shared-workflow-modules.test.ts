import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';

/**
 * The worker's sandbox evaluates workflows/ and domain/ once and shares them between every
 * cached escrow (infra/workflow-bundle.ts). State at module scope would then pass from one escrow
 * to the next; the SDK deep-freezes plain objects, but not bindings, Maps or Sets.
 */
const SHARED = ['workflows', 'domain'];
const MODULE_STATE = [
  /^(export )?(let|var) /,
  /^(export )?const \w+(: (?!Readonly)[^=]*)?\s*= new (Map|Set|WeakMap|WeakSet)\b/,
];

it('the modules every cached workflow shares keep no mutable state at module scope', () => {
  const found = SHARED.flatMap((folder) =>
    readdirSync(join(repoRoot, folder))
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) =>
        readFileSync(join(repoRoot, folder, name), 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${folder}/${name}:${i + 1}`, line }))
          .filter(({ line }) => MODULE_STATE.some((pattern) => pattern.test(line))),
      ),
  );
  expect(found.map(({ where, line }) => `${where}: ${line}`)).toEqual([]);
});
