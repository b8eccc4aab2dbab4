/**
 * Which FASTA record the heatmap follows: the record laid out at an editor's line, and — with no FASTA
 * editor in view — the scored file hidden in a tab.
 */
import * as vscode from 'vscode';
import { RecordLayout } from '../shared/protocol';
import { Ctx } from './ctx';

/** The FASTA editor last active and its cursor's line. */
export interface LastFasta {
  uri: string;
  line: number;
}

/** The record laid out around a line (a header line belongs to its record); the first when none is. */
export function layoutAt(doc: { layouts: readonly RecordLayout[] }, line: number): RecordLayout | undefined {
  return doc.layouts.find((l) => l.headerLine <= line && line <= Math.max(l.lastLine, l.headerLine)) ?? doc.layouts[0];
}

/**
 * A scored FASTA file open in a tab that another editor hides (the walkthrough's page in front of
 * the example, its "Show heatmap" link clicked): the one last active, else the active group's first.
 */
export function hiddenFasta(ctx: Ctx, lastFasta: LastFasta | undefined): { uri: string; record: number } | undefined {
  const last = lastFasta && ctx.store.get(lastFasta.uri);
  if (lastFasta && last) return { uri: lastFasta.uri, record: layoutAt(last, lastFasta.line)?.record ?? 0 };
  const groups = [vscode.window.tabGroups.activeTabGroup, ...vscode.window.tabGroups.all];
  for (const tab of groups.flatMap((g) => g.tabs)) {
    const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri.toString() : undefined;
    if (uri && ctx.store.get(uri)) return { uri, record: 0 };
  }
  return undefined;
}
