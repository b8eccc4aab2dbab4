/**
 * Bad input says the same thing in the editor as on the command line: an empty file, a record with
 * characters that are not DNA, a protein FASTA. The CLI refuses each file with one message; the
 * language server shows one diagnostic for it, whose text is the CLI's (message parity is checked on
 * the same file through the real CLI and the real server over LSP).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { runTfbs } from '../fixtures/cli';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { ServerHarness } from './serverHarness';

let tmp: string;
let modelDir: string;
let h: ServerHarness;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-bad-parity-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, DANQ_TINY, 4);
  h = await ServerHarness.start({ modelPath: modelDir, threads: 1 });
});

after(async () => {
  await h?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The CLI's refusal of `text` (its message after the location) and the server's diagnostics for it. */
async function both(name: string, text: string): Promise<{ cli: string; diagnostics: Array<{ message: string; line: number; character: number }> }> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, text);
  const r = runTfbs(['score', file, '--model', modelDir, '-o', path.join(tmp, `${name}.bed`)], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  const line = r.stderr.split('\n').find((l) => l.includes(file));
  assert.ok(line, r.stderr);
  const cli = line.slice(line.indexOf(': ', line.indexOf(file) + file.length) + 2).replace(/^(record "[^"]*", )?(line \d+, )?(column \d+: )?/, '');
  const uri = pathToFileURL(file).toString();
  await h.open(uri, text);
  await h.waitFor(() => h.diagnostics.has(uri), `diagnostics for ${name}`);
  const diagnostics = h.diagnostics.get(uri)!.diagnostics.map((d) => ({ message: d.message, line: d.range.start.line, character: d.range.start.character }));
  return { cli, diagnostics };
}

test('an empty file: one diagnostic, the CLI\'s message', async () => {
  const { cli, diagnostics } = await both('empty.fa', '');
  assert.equal(cli, 'the file is empty: no FASTA records');
  assert.deepEqual(diagnostics.map((d) => d.message), [cli]);
});

test('a record with characters that are not DNA: one diagnostic at the first, the CLI\'s message, and it says the editor reads them as N', async () => {
  const { cli, diagnostics } = await both('typos.fa', '>good\n' + 'ACGT'.repeat(100) + '\n>a\nACGTAC\nACGT?A\nAC!!GT\n');
  assert.match(cli, /^"\?" is not a DNA character/);
  assert.match(cli, /2 more/);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  assert.ok(diagnostics[0].message.startsWith(cli), `${diagnostics[0].message}\n  does not start with the CLI's\n${cli}`);
  assert.match(diagnostics[0].message, /as N/);
  assert.match(diagnostics[0].message, /refuses/);
  assert.deepEqual([diagnostics[0].line, diagnostics[0].character], [4, 4]);
});

test('a protein FASTA: one diagnostic per record, the CLI\'s message', async () => {
  const { cli, diagnostics } = await both('protein.fa', '>sp|P69905|HBA_HUMAN\nMVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHFDLSHGSAQVKGHGKKVADALTNAVAHV\n');
  assert.match(cli, /looks like a protein sequence/);
  assert.deepEqual(diagnostics.map((d) => d.message), [cli]);
  assert.equal(diagnostics[0].line, 0);
});
