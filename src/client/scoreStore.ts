/**
 * What the client knows about each document's scores: the record layouts and per-bin values the server
 * pushed for the document's current version. Decorations, the heatmap and the test API read it; a
 * message for a version the editor has already left behind is dropped (the server sends a full
 * replacement for every new version).
 */
import * as vscode from 'vscode';
import { BinScoresParams, RecordLayout, ScoringProgressParams } from '../shared/protocol';

export interface DocumentScores {
  uri: string;
  version: number;
  modelKey: number;
  binSize: number;
  layouts: RecordLayout[];
  /** Per record, per bin: the colour value (tfbsLens.colourBy over the focused experiments; src/shared/binColour.ts); NaN where unknown. */
  values: Float32Array[];
  progress?: ScoringProgressParams;
}

export interface ScoresChange {
  uri: string;
  /** True when the whole document was replaced (new version, model, focus or bin size). */
  replace: boolean;
  /** Bins added, per record (incremental changes only). */
  bins?: Map<number, number[]>;
}

export class ScoreStore implements vscode.Disposable {
  private readonly docs = new Map<string, DocumentScores>();
  private readonly changeEmitter = new vscode.EventEmitter<ScoresChange>();
  private readonly progressEmitter = new vscode.EventEmitter<ScoringProgressParams>();
  readonly onDidChange = this.changeEmitter.event;
  readonly onDidProgress = this.progressEmitter.event;

  get(uri: string): DocumentScores | undefined {
    return this.docs.get(uri);
  }

  all(): DocumentScores[] {
    return [...this.docs.values()];
  }

  apply(p: BinScoresParams): boolean {
    const current = editorVersion(p.uri);
    if (current !== undefined && p.version < current) return false;
    let doc = this.docs.get(p.uri);
    if (p.replace) {
      const layouts = p.layouts ?? [];
      doc = {
        uri: p.uri,
        version: p.version,
        modelKey: p.modelKey,
        binSize: p.binSize,
        layouts,
        values: layouts.map((l) => new Float32Array(l.binCount).fill(NaN)),
        progress: doc?.progress,
      };
      this.docs.set(p.uri, doc);
    } else if (!doc || doc.version !== p.version || doc.modelKey !== p.modelKey) {
      return false;
    }
    const added = new Map<number, number[]>();
    for (const r of p.records) {
      const values = doc.values[r.record];
      if (!values) continue;
      r.bins.forEach((b, i) => {
        if (b >= 0 && b < values.length) values[b] = r.max[i];
      });
      added.set(r.record, r.bins);
    }
    this.changeEmitter.fire({ uri: p.uri, replace: p.replace, bins: p.replace ? undefined : added });
    return true;
  }

  applyProgress(p: ScoringProgressParams): void {
    const doc = this.docs.get(p.uri);
    if (doc && doc.version <= p.version) doc.progress = p;
    this.progressEmitter.fire(p);
  }

  delete(uri: string): void {
    if (this.docs.delete(uri)) this.changeEmitter.fire({ uri, replace: true });
  }

  /** Forgets everything (the server restarted; it re-sends what it knows). */
  clear(): void {
    const uris = [...this.docs.keys()];
    this.docs.clear();
    for (const uri of uris) this.changeEmitter.fire({ uri, replace: true });
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.progressEmitter.dispose();
  }
}

function editorVersion(uri: string): number | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri)?.version;
}
