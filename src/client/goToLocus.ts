/**
 * *TFBS: Go to locus…*: in a FASTA whose headers carry genome coordinates (`>chr1:1,057,651-1,058,650`,
 * a region document, a file of peaks from bedtools getfasta), type `chr1:1,057,650`, a range or a bare
 * position and the cursor goes there (a range's bases selected). The locus is read and placed by core
 * (parseLocus → parseRegion, locateLocus); a locus outside every record is refused with the reason,
 * and "Open region…" is offered to read it from an indexed genome (the region document's own genome
 * when this is one).
 */
import * as vscode from 'vscode';
import { parseFastaText, positionAt, recordAtLine } from '../core/fasta';
import { LOCUS_SYNTAX, locateLocus, regionText } from '../core/genomic';
import { isFastaDocument } from './ctx';

/** Bases on either side of a refused locus in the region "Open region…" suggests. */
const SUGGESTED_FLANK = 5_000;

/** `genomeOf`: the indexed FASTA a document was read from (a region document's), to offer regions of. */
export async function goToLocus(genomeOf: (uri: vscode.Uri) => string | undefined): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isFastaDocument(editor.document)) {
    void vscode.window.showInformationMessage('TFBS Lens: Go to locus works in a FASTA editor whose records carry genome coordinates.');
    return;
  }
  const doc = editor.document;
  const { records } = parseFastaText(doc.getText());
  const current = recordAtLine(records, editor.selection.active.line, (r) => r.headerLine);
  const here = current?.genomic;
  const text = await vscode.window.showInputBox({
    title: 'TFBS Lens: go to locus',
    prompt: here ? `In this record: ${regionText(here.chrom, here.start, here.end)} (1-based)` : `A locus: ${LOCUS_SYNTAX}`,
    placeHolder: here ? `${here.chrom}:${(here.start + 1).toLocaleString('en-US')}` : 'chr1:1,057,650',
  });
  if (!text?.trim()) return;
  const found = locateLocus(text, records, current);
  if ('problem' in found) {
    const genome = genomeOf(doc.uri);
    const open = 'Open region…';
    const choice = await vscode.window.showWarningMessage(`TFBS Lens: ${found.problem}.`, ...(found.locus ? [open] : []));
    if (choice === open && found.locus) {
      const { chrom, start, end } = found.locus;
      const suggested = `${chrom}:${Math.max(1, start + 1 - SUGGESTED_FLANK)}-${end + SUGGESTED_FLANK}`;
      // Not this file (its records are what the locus missed): the genome it came from, else one picked.
      const picked = genome ? undefined : await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open a region of this genome', filters: { FASTA: ['fa', 'fasta', 'fna', 'fas', 'gz'] } });
      const file = genome ?? picked?.[0]?.fsPath;
      if (file) await vscode.commands.executeCommand('tfbsLens.openRegion', vscode.Uri.file(file), suggested);
    }
    return;
  }
  const from = positionAt(found.record, found.start);
  const single = found.end - found.start === 1;
  // One base: the cursor before it (a one-letter selection would light up every equal letter in
  // view). A range: its bases selected, through the last one, not to the start of the next line.
  const last = positionAt(found.record, found.end - 1);
  const to = single ? from : { line: last.line, column: last.column + 1 };
  const selection = new vscode.Selection(from.line, from.column, to.line, to.column);
  editor.selection = selection;
  editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  const { chrom, start, end } = found.locus;
  const where = single ? `${chrom}:${end.toLocaleString('en-US')}` : regionText(chrom, start, end);
  void vscode.window.setStatusBarMessage(`TFBS Lens: ${where} in record "${found.record.name}"`, 4000);
}
