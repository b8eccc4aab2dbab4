/**
 * "Create index now" (the editor's Open region… on an unindexed FASTA): the command line's indexer
 * with progress and cancellation, the index written atomically beside the file, or — when the folder
 * is read-only — into the per-user cache, where the region reader finds it while it is not older than
 * the FASTA.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs, mkdtempSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancelledError } from '../../src/core/errors';
import { buildFai, formatFai } from '../../src/core/fai';
import { cachedFaiPath, findFai, writeFai } from '../../src/core/faiLocation';

const work = mkdtempSync(path.join(os.tmpdir(), 'tfbs-fai-location-'));
after(() => fs.rm(work, { recursive: true, force: true }));

const GENOME = '>chr1\n' + 'ACGTACGTAC\n'.repeat(300_000) + '>chr2\n' + 'GGGCCC\n';

test('buildFai reports its progress in bytes and stops, writing nothing, when cancelled', async () => {
  const fasta = path.join(work, 'big.fa');
  await fs.writeFile(fasta, GENOME);
  const seen: number[] = [];
  const entries = await buildFai(fasta, undefined, { onProgress: (b) => seen.push(b) });
  assert.deepEqual(entries.map((e) => [e.name, e.length]), [['chr1', 3_000_000], ['chr2', 6]]);
  assert.ok(seen.length >= 3, `progress reports: ${seen.length}`);
  assert.equal(seen[seen.length - 1], GENOME.length);
  const abort = new AbortController();
  await assert.rejects(buildFai(fasta, undefined, { signal: abort.signal, onProgress: () => abort.abort() }), CancelledError);
  assert.equal(await findFai(fasta, { XDG_CACHE_HOME: path.join(work, 'cache') }), undefined);
});

test('the index goes beside the FASTA when the folder is writable, and is found there', async () => {
  const fasta = path.join(work, 'here.fa');
  await fs.writeFile(fasta, '>a\nACGT\nAC\n');
  const env = { XDG_CACHE_HOME: path.join(work, 'cache') };
  assert.equal(await findFai(fasta, env), undefined);
  const written = await writeFai(fasta, { entries: await buildFai(fasta) }, env);
  assert.deepEqual(written, { path: `${fasta}.fai`, inCache: false });
  assert.equal(await fs.readFile(`${fasta}.fai`, 'utf8'), 'a\t6\t3\t4\t5\n');
  assert.equal(await findFai(fasta, env), `${fasta}.fai`);
});

test('a read-only folder: the index goes to the per-user cache, is found there, and not once the FASTA is newer', async () => {
  // Permissions bind only a user other than root: as root, the check runs as "nobody" in a child.
  const folder = path.join(work, 'readonly');
  const cache = path.join(work, 'nobody-cache');
  await fs.mkdir(folder);
  await fs.mkdir(cache, { mode: 0o700 });
  const fasta = path.join(folder, 'ref.fa');
  await fs.writeFile(fasta, '>chrM\nACGTACGT\nACG\n');
  await fs.chmod(folder, 0o555);
  const root = process.getuid?.() === 0;
  if (root) {
    await fs.chown(cache, 65534, 65534);
    await fs.chmod(work, 0o755);
  }
  const script = `
    const { buildFai } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'core', 'fai.js'))});
    const { writeFai, findFai } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'core', 'faiLocation.js'))});
    (async () => {
      const env = { XDG_CACHE_HOME: ${JSON.stringify(cache)} };
      const written = await writeFai(${JSON.stringify(fasta)}, { entries: await buildFai(${JSON.stringify(fasta)}) }, env);
      console.log(JSON.stringify({ written, found: await findFai(${JSON.stringify(fasta)}, env) }));
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', ...(root ? { uid: 65534, gid: 65534 } : {}) });
  assert.equal(r.status, 0, r.stderr);
  const { written, found } = JSON.parse(r.stdout);
  const expected = cachedFaiPath(fasta, { XDG_CACHE_HOME: cache });
  assert.equal(written.path, expected);
  assert.equal(written.inCache, true);
  assert.match(written.reason, /readonly cannot be written/);
  assert.equal(found, expected);
  assert.equal(await fs.readFile(expected, 'utf8'), formatFai([{ name: 'chrM', length: 11, offset: 6, lineBases: 8, lineBytes: 9 }]));
  await assert.rejects(fs.stat(`${fasta}.fai`), 'nothing beside the file');
  // The FASTA changes after the index was made: the cached index is stale, not used.
  await fs.chmod(folder, 0o755);
  const later = new Date(Date.now() + 5000);
  await fs.utimes(fasta, later, later);
  assert.equal(await findFai(fasta, { XDG_CACHE_HOME: cache }), undefined);
});
