// The first edit of a FASTA file on disk warns once (issue 27, problem 7): not on a reload from disk,
// not again while the user types on, and "Keep editing this file" is remembered. (Choosing the copy,
// with the file's bytes put back, runs in code-server: test/e2e/ui/edits.ui.ts.)
import { callsTo, fake, fakeDocument, FakeDocument, resetFakeVscode } from './fakeVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ctx } from '../../src/client/ctx';
import { EXPLORE_ON_COPY, EditSafety, KEEP_EDITING, copyName, warningText } from '../../src/client/editSafety';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ctx = { ready: () => Promise.reject(new Error('no server in this test')) } as unknown as Ctx;

/** A change event, after the dirty flag had time to arrive (EditSafety reads it 100 ms later). */
async function change(doc: FakeDocument): Promise<void> {
  fake.onDidChangeTextDocument.fire({ document: doc, contentChanges: [{ text: 'A' }] });
  await sleep(150);
}

test('edit warning: once per file on its first edit, not on a reload from disk; "Keep editing" is remembered; auto-save named', async () => {
  resetFakeVscode();
  const doc = Object.assign(fakeDocument('/w/peaks.fa', '>r\nACGT\n'), { isDirty: false });
  fake.fileBytes.set(doc.uri.fsPath, new TextEncoder().encode('>r\nACGT\n'));
  fake.documents.push(doc);
  fake.settings.global.set('autoSave', 'afterDelay');
  fake.answers.set('showWarningMessage', KEEP_EDITING);
  const safety = new EditSafety(ctx, () => undefined);
  try {
    // The file changed on disk and was reloaded: the document stays clean, nothing to warn about.
    await change(doc);
    assert.deepEqual(callsTo('showWarningMessage'), []);
    // The user types: one warning, however many keystrokes follow.
    doc.isDirty = true;
    fake.onDidChangeTextDocument.fire({ document: doc, contentChanges: [{ text: 'A' }] });
    fake.onDidChangeTextDocument.fire({ document: doc, contentChanges: [{ text: 'C' }] });
    await change(doc);
    await change(doc);
    const warnings = callsTo('showWarningMessage');
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0], [warningText('peaks.fa', true), EXPLORE_ON_COPY, KEEP_EDITING]);
    assert.match(warnings[0][0] as string, /edits change peaks\.fa on disk \(auto-save is on: they are saved as you type\)\. Explore them on a copy instead\?/);
    // Kept: no more warnings for this file this session, nothing else done.
    await change(doc);
    assert.equal(callsTo('showWarningMessage').length, 1);
    assert.deepEqual(callsTo('executeCommand'), []);
    // Another file is asked about on its own first edit; without auto-save the text says when it is written.
    fake.settings.global.delete('autoSave');
    const other = Object.assign(fakeDocument('/w/other.fasta', '>q\nTT\n'), { isDirty: true });
    await change(other);
    assert.equal(callsTo('showWarningMessage').length, 2);
    assert.match(callsTo('showWarningMessage')[1][0] as string, /edits change other\.fasta on disk when it is saved\./);
    // A document of another language is none of TFBS Lens's business.
    await change(Object.assign(fakeDocument('/w/notes.txt', 'x', 'plaintext'), { isDirty: true }));
    assert.equal(callsTo('showWarningMessage').length, 2);
  } finally {
    safety.dispose();
  }
});

test('edit warning: the copy is named after the file, its extension kept (so it is FASTA too)', () => {
  assert.equal(copyName('/data/peaks.fa', 1), 'peaks (edits).fa');
  assert.equal(copyName('/data/peaks.fa', 2), 'peaks (edits 2).fa');
  assert.equal(copyName('/data/region.fasta', 3), 'region (edits 3).fasta');
});

test('Explore edits on a copy from the palette never writes the file: edits the user saved after dismissing the warning stay', async () => {
  resetFakeVscode();
  const opened = new TextEncoder().encode('>r\nACGT\n');
  const doc = Object.assign(fakeDocument('/w/peaks.fa', '>r\nACGA\n'), { isDirty: false });
  fake.fileBytes.set(doc.uri.fsPath, opened);
  fake.documents.push(doc);
  const safety = new EditSafety(ctx, () => undefined);
  try {
    // The first edit warns; the user dismisses it (Escape) and saves the edit on purpose.
    doc.isDirty = true;
    await change(doc);
    assert.equal(callsTo('showWarningMessage').length, 1);
    doc.isDirty = false;
    const saved = new TextEncoder().encode('>r\nACGA\n');
    fake.fileBytes.set(doc.uri.fsPath, saved);
    // Later, from the palette: a copy of what is in the editor; the file keeps the saved bytes.
    await fake.commands.get('tfbsLens.exploreEditsOnCopy')!(doc.uri);
    assert.deepEqual(callsTo('fs.writeFile'), [], 'the file is not written');
    assert.deepEqual([...fake.fileBytes.get(doc.uri.fsPath)!], [...saved]);
    const shown = callsTo('showTextDocument').map(([d]) => d as FakeDocument);
    assert.equal(shown.length, 1);
    assert.equal(shown[0].uri.scheme, 'untitled');
    assert.equal(shown[0].getText(), '>r\nACGA\n');
  } finally {
    safety.dispose();
  }
});
