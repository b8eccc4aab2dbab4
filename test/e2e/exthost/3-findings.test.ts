// A FASTA that opens at its top moves to its first strong site once it is scored; one whose cursor the
// user has already moved keeps it (issue 27: reveal what was found without stealing the cursor). Two
// copies of the region's sequence wrapped at 70 columns, in a scratch folder.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { REGION_FILE, activatedApi, waitFor, workspaceFile } from './helpers';

const WIDTH = 70;

function wrapped(sequence: string): string {
  const lines = ['>copy'];
  for (let i = 0; i < sequence.length; i += WIDTH) lines.push(sequence.slice(i, i + WIDTH));
  return `${lines.join('\n')}\n`;
}

suite('What an open FASTA holds: the first strong site', () => {
  let scratch: string;
  suiteSetup(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tfbs-e2e-findings-'));
  });
  suiteTeardown(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test('a file left at its top moves to its first strong site; one whose cursor was moved keeps it', async () => {
    const api = await activatedApi();
    const sequence = fs.readFileSync(workspaceFile(REGION_FILE).fsPath, 'utf8').split('\n')[1];
    assert.equal(sequence.length, 100_000);
    const open = async (name: string, selection: vscode.Range): Promise<vscode.TextEditor> => {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, wrapped(sequence));
      const doc = await vscode.workspace.openTextDocument(file);
      return vscode.window.showTextDocument(doc, { preview: false, selection });
    };

    const untouched = await open('untouched.fa', new vscode.Range(0, 0, 0, 0));
    await api.whenIdle(untouched.document.uri);
    // The first coloured bin, from the decorations the extension set on this copy.
    const firstStart = await waitFor('the copy to be coloured', () => {
      const starts = api.decorations(untouched.document.uri).flatMap((s) => s.ranges.map((r) => r.start));
      return starts.length > 0 && starts.reduce((a, b) => (b.isBefore(a) ? b : a));
    }, 10_000);
    assert.equal(((firstStart.line - 1) * WIDTH + firstStart.character) % 200, 0, 'a coloured stretch starts on a bin boundary');
    await waitFor(`the cursor on the first strong site (line ${firstStart.line + 1}, column ${firstStart.character + 1})`,
      () => untouched.selection.active.isEqual(firstStart), 10_000);
    assert.ok(untouched.visibleRanges.some((r) => r.contains(firstStart)), 'the first strong site is in view');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Opened with the cursor elsewhere (as "Go to line" or a search result opens a file): it stays.
    const place = new vscode.Position(12, 5);
    const moved = await open('moved.fa', new vscode.Range(place, place));
    await api.whenIdle(moved.document.uri);
    await waitFor('the copy to be coloured', () => api.decorations(moved.document.uri).length > 0, 10_000);
    await new Promise((r) => setTimeout(r, 500)); // the summary's update interval, three times over
    assert.ok(moved.selection.active.isEqual(place), `the cursor stays at line 13, column 6: ${JSON.stringify(moved.selection.active)}`);
    assert.ok(moved.visibleRanges.some((r) => r.contains(place)), 'the view stays where it was');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
