import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import { repoRoot } from '../fixtures/danqModel';

/** Every relative module a TypeScript file imports, resolved to a path under the repository. */
async function importsOf(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(repoRoot(), path.resolve(path.dirname(file), s)));
}

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('inference (src/core, src/engine, src/onnx) imports nothing from the trainer (src/training)', async () => {
  const wrong: string[] = [];
  for (const folder of ['core', 'engine', 'onnx']) {
    for (const file of await tsFiles(path.join(repoRoot(), 'src', folder))) {
      for (const target of await importsOf(file)) {
        if (target.split(path.sep).slice(0, 2).join('/') === 'src/training') wrong.push(`${path.relative(repoRoot(), file)} → ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});
