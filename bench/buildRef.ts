/** A repository commit compiled once into a temporary folder, for the benches' "before" arms. */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../test/fixtures/danqModel';

export function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** The repository at `ref`, compiled once into a temporary folder (node_modules linked): its bin/tfbs.js. */
export function buildRef(ref: string): string {
  const root = repoRoot();
  const sha = run('git', ['rev-parse', '--short=12', `${ref}^{commit}`], root).trim();
  const dir = path.join(os.tmpdir(), `tfbs-bench-before-${sha}`);
  const tfbs = path.join(dir, 'bin', 'tfbs.js');
  if (existsSync(path.join(dir, 'out', 'src', 'cli', 'main.js'))) {
    // A build left by another checkout links to that checkout's node_modules, which may be gone.
    run('ln', ['-sfn', path.join(root, 'node_modules'), path.join(dir, 'node_modules')], root);
    return tfbs;
  }
  console.log(`building ${ref} (${sha}) into ${dir} …`);
  run('bash', ['-c', `mkdir -p "$1" && git archive "$2" | tar -x -C "$1" && ln -sfn "$3" "$1/node_modules"`, 'bench', dir, sha, path.join(root, 'node_modules')], root);
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
  return tfbs;
}
