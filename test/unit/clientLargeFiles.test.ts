/**
 * The > 50 MB file message (README: VS Code does not hand such files to extensions): when a FASTA file
 * over the limit is the active tab, the user is told once, with the command line to score it, and the
 * buttons do what they say. Under the fake `vscode` of test/unit/fakeVscode.ts.
 */
import { callsTo, fake, resetFakeVscode, TabInputText, Uri } from './fakeVscode';
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { EXTENSION_HOST_FILE_LIMIT, LargeFileWatcher } from '../../src/client/largeFiles';

beforeEach(() => resetFakeVscode());

/** Lets the watcher's stat and message promises settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function showTab(file: string, bytes: number | undefined): Uri {
  const uri = Uri.file(file);
  if (bytes !== undefined) fake.statSize.set(uri.fsPath, bytes);
  fake.activeTab = { input: new TabInputText(uri) };
  fake.onDidChangeTabs.fire();
  return uri;
}

test('a FASTA tab over 50 MB gets one message naming the file, its size and the command line; once per file', async () => {
  const watcher = new LargeFileWatcher();
  try {
    const file = path.resolve('/data/genome/hg38.fa');
    showTab(file, 60 * 1024 * 1024 + 1);
    await settle();
    const shown = callsTo('showWarningMessage');
    assert.equal(shown.length, 1);
    assert.equal(shown[0][0], `TFBS Lens: hg38.fa is 60 MB. VS Code does not pass files over 50 MB to extensions, so it is not scored in the editor. The command line scores files of any size: tfbs score "${file}" -o predictions.bed`);
    assert.deepEqual(shown[0].slice(1), ['Score with the command line', 'Copy command', 'Open a region…']);
    fake.onDidChangeTabs.fire();
    await settle();
    assert.equal(callsTo('showWarningMessage').length, 1, 'told once');
  } finally {
    watcher.dispose();
  }
});

test('no message at 50 MB exactly, for a file VS Code did pass on, or for another file type', async () => {
  const watcher = new LargeFileWatcher();
  try {
    showTab('/data/at-limit.fa', EXTENSION_HOST_FILE_LIMIT);
    await settle();
    fake.documents.push({ uri: Uri.file('/data/open.fa'), languageId: 'fasta', version: 1, isClosed: false, getText: () => '' });
    showTab('/data/open.fa', EXTENSION_HOST_FILE_LIMIT + 1);
    await settle();
    showTab('/data/big.bam', EXTENSION_HOST_FILE_LIMIT * 4);
    await settle();
    assert.deepEqual(callsTo('showWarningMessage'), []);
    assert.equal(EXTENSION_HOST_FILE_LIMIT, 50 * 1024 * 1024);
  } finally {
    watcher.dispose();
  }
});

test('the buttons: score runs the CLI command on the file, copy puts a quoted tfbs score line on the clipboard, region opens the region picker', async () => {
  for (const [choice, api, expected] of [
    ['Score with the command line', 'executeCommand', (uri: Uri) => ['tfbsLens.scoreWithCli', uri]],
    ['Open a region…', 'executeCommand', (uri: Uri) => ['tfbsLens.openRegion', uri]],
    ['Copy command', 'clipboard.writeText', (uri: Uri) => [`tfbs score '${uri.fsPath}' -o '${uri.fsPath.replace(/\.fa$/, '.tfbs.bed')}'`]],
  ] as const) {
    resetFakeVscode();
    fake.answers.set('showWarningMessage', choice);
    const watcher = new LargeFileWatcher();
    try {
      const uri = showTab(`/data/my genome ${choice.length}.fa`, EXTENSION_HOST_FILE_LIMIT + 1);
      await settle();
      assert.deepEqual(callsTo(api), [expected(uri)], choice);
    } finally {
      watcher.dispose();
    }
  }
});
