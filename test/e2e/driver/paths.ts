// Where things are, from the compiled location out/test/e2e/driver/*.js.
import * as path from 'path';
import { createRequire } from 'module';

export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const e2eSourceDir = path.join(repoRoot, 'test', 'e2e');
export const e2eOutDir = path.join(repoRoot, 'out', 'test', 'e2e');
export const toolsDir = path.join(e2eSourceDir, 'tools');
export const electronToolsDir = path.join(e2eSourceDir, 'tools-electron');
export const codeServerEntry = path.join(toolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const testResultsDir = path.join(repoRoot, 'test-results', 'e2e');

/**
 * The heavy tools live in their own npm project (test/e2e/tools) so the main install stays light;
 * they are loaded from there explicitly rather than through the usual node_modules lookup.
 */
export function requireFromTools<T>(moduleName: string, fromDir = toolsDir): T {
  return createRequire(path.join(fromDir, 'package.json'))(moduleName) as T;
}
