// Proves the extension-host half of the infrastructure on the fixture extension: the development
// extension activates on a .fa file, its exported API is reachable, hovers and commands work.
import assert from 'node:assert/strict';
import * as path from 'path';
import * as vscode from 'vscode';

interface FixtureApi {
  decorationRanges(uri: vscode.Uri): vscode.Range[];
}

suite('infrastructure self-test: extension host', () => {
  let document: vscode.TextDocument;
  let api: FixtureApi;

  suiteSetup(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    document = await vscode.workspace.openTextDocument(path.join(folder.uri.fsPath, 'human_chr1_100kb_region.fa'));
    await vscode.window.showTextDocument(document);
    const extension = vscode.extensions.getExtension<FixtureApi>('tfbs-lens-test.tfbs-e2e-fixture');
    assert.ok(extension, 'the fixture is loaded as a development extension');
    api = await extension.activate();
  });

  test('activates on a .fa file and decorates it', () => {
    assert.equal(document.languageId, 'fasta');
    assert.equal(api.decorationRanges(document.uri).length, 4);
  });

  test('hover text through vscode.executeHoverProvider', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(2, 3));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /CTCF p=0\.93/);
  });

  test('its command runs', async () => {
    assert.equal(await vscode.commands.executeCommand('tfbsFixture.showPanel'), true);
  });
});
