/** Where the installed package lives, so that `tfbs` finds the shipped default model from any folder. */
import * as path from 'path';
import { installationRoot } from '../core/installation';
import { DEFAULT_MODEL_DIR } from '../core/modelPackage';

/** The installation's root; the working folder where the code runs outside one (files are then looked for there). */
export function packageRoot(): string {
  return installationRoot() ?? process.cwd();
}

export function defaultModelDir(): string {
  return path.join(packageRoot(), DEFAULT_MODEL_DIR);
}
