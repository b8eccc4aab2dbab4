/** Where the installed package lives, so that `tfbs` finds the shipped default model from any folder. */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { DEFAULT_MODEL_DIR } from '../core/modelPackage';

export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'tfbs-lens') return dir;
      } catch {
        // not ours; keep looking upwards
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultModelDir(): string {
  return path.join(packageRoot(), DEFAULT_MODEL_DIR);
}
