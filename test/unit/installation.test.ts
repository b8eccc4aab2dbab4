/**
 * src/core/installation.ts: the one way the CLI, the server, training and the engines find the files
 * shipped with the installation (python/, data/, models/): the nearest folder above the running module
 * holding this package's package.json, from the tsc output (out/src/…) or a bundle (dist/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentError } from '../../src/core/errors';
import { installationRoot, installedFile, requiredInstalledFile } from '../../src/core/installation';
import { REPO } from './trainFixtures';

test('from the compiled modules, the installation is the repository, and its shipped files are found', () => {
  assert.equal(installationRoot(), REPO);
  assert.equal(installedFile(path.join('python', 'tfbs_train.py')), path.join(REPO, 'python', 'tfbs_train.py'));
  assert.equal(requiredInstalledFile(path.join('data', 'deepsea', 'targets_690_tf.txt')), path.join(REPO, 'data', 'deepsea', 'targets_690_tf.txt'));
  assert.equal(installedFile(path.join('data', 'no-such-file.txt')), undefined);
});

test('a bundle in dist/ finds its installation above it, past a package.json that is not ours', async () => {
  const top = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-installation-'));
  try {
    const install = path.join(top, 'tfbs-lens-1.0.0');
    const nested = path.join(install, 'dist', 'vendor');
    await fs.mkdir(nested, { recursive: true });
    await fs.mkdir(path.join(install, 'python'));
    await fs.writeFile(path.join(install, 'package.json'), JSON.stringify({ name: 'tfbs-lens' }));
    await fs.writeFile(path.join(install, 'dist', 'package.json'), JSON.stringify({ name: 'something-else' }));
    await fs.writeFile(path.join(install, 'python', 'tfbs_train.py'), '');
    assert.equal(installationRoot(nested), install);
    assert.equal(installedFile(path.join('python', 'tfbs_train.py'), nested), path.join(install, 'python', 'tfbs_train.py'));
    assert.throws(() => requiredInstalledFile(path.join('python', 'tfbs_dataset_mat.py'), nested), (e: unknown) => {
      assert.ok(e instanceof EnvironmentError);
      assert.match((e as Error).message, /python.tfbs_dataset_mat\.py is missing from this installation \(.*tfbs-lens-1\.0\.0\)/);
      return true;
    });
    // Outside any installation: nothing is found, and the message says why.
    assert.equal(installationRoot(top), undefined);
    assert.equal(installedFile('package.json', top), undefined);
    assert.throws(() => requiredInstalledFile(path.join('python', 'tfbs_train.py'), top), /no tfbs-lens installation \(package\.json\) above/);
  } finally {
    await fs.rm(top, { recursive: true, force: true });
  }
});
