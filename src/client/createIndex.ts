/**
 * "Create index now": a FASTA without a .fai is indexed from the editor with the command line's own
 * indexer (core buildFastaIndex, what `tfbs index` runs; a bgzip file gets its .gzi too), under a
 * cancellable progress notification, and written atomically beside the file — or, when its folder is
 * read-only, into the per-user cache (core/faiLocation), which the message names. The caller then goes
 * on with what it was doing.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError, firstLine } from '../core/errors';
import { buildFastaIndex } from '../core/fai';
import { NO_HEADER_MESSAGE } from '../core/fasta';
import { writeFai } from '../core/faiLocation';

export const CREATE_INDEX = 'Create index now';

/** Indexes `fasta`; the .fai's path, or undefined when cancelled or refused (the user has been told why). */
export async function createIndex(fasta: string): Promise<string | undefined> {
  const name = path.basename(fasta);
  const size = (await vscode.workspace.fs.stat(vscode.Uri.file(fasta))).size;
  const warnings: string[] = [];
  try {
    const written = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `TFBS Lens: indexing ${name}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        try {
          const index = await buildFastaIndex(fasta, (w) => warnings.push(w), {
            signal: abort.signal,
            onProgress: (bytes) => {
              const percent = size ? (100 * bytes) / size : 100;
              progress.report({ increment: percent - reported, message: `${megabytes(bytes)} of ${megabytes(size)} MB` });
              reported = percent;
            },
          });
          if (!index.entries.length) throw new Error(NO_HEADER_MESSAGE);
          return { entries: index.entries, ...(await writeFai(fasta, index)) };
        } finally {
          cancel.dispose();
        }
      },
    );
    const bp = written.entries.reduce((n, e) => n + e.length, 0);
    const what = `${written.entries.length} record${written.entries.length === 1 ? '' : 's'}, ${bp.toLocaleString('en')} bp`;
    const note = warnings.length ? ` ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings[0]}${warnings.length > 1 ? ' …' : ''}` : '';
    if (written.inCache) {
      void vscode.window.showInformationMessage(
        `TFBS Lens: indexed ${name} (${what}). ${written.reason}, so the index is in your cache: ${written.path}. The editor uses it there; tfbs score --region looks beside the file only.${note}`,
      );
    } else {
      void vscode.window.showInformationMessage(`TFBS Lens: indexed ${name} (${what}) → ${written.path}.${note}`);
    }
    return written.path;
  } catch (e) {
    if (e instanceof CancelledError) {
      void vscode.window.setStatusBarMessage(`TFBS Lens: indexing ${name} cancelled; nothing was written`, 4000);
      return undefined;
    }
    void vscode.window.showErrorMessage(`TFBS Lens: cannot index ${name}: ${firstLine(e)}`);
    return undefined;
  }
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString('en', { maximumFractionDigits: bytes < 10 << 20 ? 1 : 0 });
}
