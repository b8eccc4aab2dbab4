/**
 * The `tfbs score` invocation behind "Score a file with the command line…", as data: no vscode, so
 * it is tested against the real CLI. The CLI gets the editor's settings — model, bin size, strands,
 * threshold and the focus (a factor by name where all of it is focused, other experiments by output
 * index, so names with commas or repeats cannot be misread) — and runs as a process with an argument
 * list, never a shell line.
 */
import * as path from 'path';
import { Experiment, factorGroups, selectTargets } from '../core/targets';
import { TfbsSettings } from '../shared/settings';

export type CliFormat = 'bed' | 'bedgraph' | 'tsv' | 'json';

export const FASTA_EXTENSIONS = /\.(fa|fasta|fna|ffn|fas|fsa|seq)(\.gz)?$/i;

/** The format a chosen output file name asks for (by its extension; BED otherwise). */
export function formatOfOutput(file: string): CliFormat {
  const ext = path.extname(file).toLowerCase();
  return ext === '.bedgraph' ? 'bedgraph' : ext === '.tsv' ? 'tsv' : ext === '.json' ? 'json' : 'bed';
}

/** `x.fa.gz` → `x.tfbs.bed` beside it. */
export function defaultOutput(file: string): string {
  return file.replace(FASTA_EXTENSIONS, '') + '.tfbs.bed';
}

export interface CliFocus {
  /** What to pass as --targets: output indices (resolved by the server) or the setting's items; none: all. */
  targets: string[];
  /** How many experiments that selects, when known. */
  count?: number;
}

export interface CliPlan {
  args: string[];
  format: CliFormat;
  /** Where the predictions go: one file, or a folder of one bedGraph per experiment. */
  output: string;
  outputIsFolder: boolean;
}

/**
 * bedGraph holds one experiment per file: with several experiments the CLI writes a folder of them.
 * Its name is the chosen file's without the extension plus `_bedGraph`, so choosing `x.tfbs.bedGraph`
 * gives `x.tfbs_bedGraph/003_K562_CTCF_None.bedGraph`, … instead of a folder named like a file.
 */
export function planCliScore(file: string, chosen: string, settings: TfbsSettings, focus: CliFocus): CliPlan {
  const format = formatOfOutput(chosen);
  const outputIsFolder = format === 'bedgraph' && focus.count !== 1;
  const output = outputIsFolder ? chosen.slice(0, chosen.length - path.extname(chosen).length) + '_bedGraph' : chosen;
  const args = ['score', file, '--format', format, '-o', output];
  if (settings.modelPath) args.push('--model', settings.modelPath);
  if (settings.binSize) args.push('--bin', String(settings.binSize));
  if (!settings.reverseComplement) args.push('--no-rc');
  if (format === 'bed') args.push('--threshold', String(settings.threshold));
  if (focus.targets.length) args.push('--targets', focus.targets.join(','));
  return { args, format, output, outputIsFolder };
}

/**
 * The focused outputs as the CLI's --targets items, as a person would type them: a factor whose every
 * experiment is in focus by its name ("CTCF", not its 99 indices), the rest by output index. Each name
 * is used only where the CLI resolves it to exactly that factor's experiments (an experiment or cell
 * type of the same name would select others) and it survives the comma-separated list; the whole list
 * is checked to select exactly the focus, else the indices are given. Everything in focus: no items.
 */
export function targetsForCli(experiments: readonly Experiment[], focused: readonly number[]): string[] {
  const focus = new Set(focused);
  if (experiments.every((e) => focus.has(e.index))) return [];
  const covered = new Set<number>();
  const names: string[] = [];
  for (const [factor, group] of factorGroups(experiments)) {
    if (!group.every((i) => focus.has(i)) || factor.includes(',') || factor.trim() !== factor || /^\d+$/.test(factor)) continue;
    if (!sameIndices(selectTargets(experiments, [factor]).indices, group)) continue;
    names.push(factor);
    group.forEach((i) => covered.add(i));
  }
  const items = [...names, ...[...focus].filter((i) => !covered.has(i)).sort((a, b) => a - b).map(String)];
  const wanted = [...focus].sort((a, b) => a - b);
  return sameIndices(selectTargets(experiments, items).indices, wanted) ? items : wanted.map(String);
}

function sameIndices(a: readonly number[], b: readonly number[]): boolean {
  const sb = [...b].sort((x, y) => x - y);
  return a.length === sb.length && a.every((x, i) => x === sb[i]);
}
