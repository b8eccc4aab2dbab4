/**
 * Plain-text data: one DNA sequence per line, and one line of 0/1 labels per sequence (one column per
 * target, separated by spaces, tabs or commas). All sequences must have one length, which becomes the
 * input length. Such sequences are independent (not tiles of one genome), so a seeded random split is
 * sound here — unlike the overlapping windows of the numpy and genome sources.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { BASE_CODE, CHANNEL_COUNT, INVALID, UNKNOWN } from '../../core/encoding';
import { InputError, UsageError, ioErrorFrom } from '../../core/errors';
import { seededRandom } from '../../core/random';
import { checkFractions, formatFraction, shuffleInPlace, splitSizes } from './splits';
import { DEFAULT_FRACTIONS, DatasetInfo, PrepareOptions, SplitName, SplitSummary, TextSpec } from './types';
import { DatasetDirectory, SplitWriter, newManifest, throwIfCancelled } from './writer';

export const DEFAULT_SEED = 1;

/** Lines of a text file; a final newline does not make an extra empty line. */
async function readLines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch((e) => {
    throw ioErrorFrom(e, file, 'read');
  });
  if (text.includes('\0')) throw new InputError('this is binary data, not a text file', { file });
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Drops trailing blank lines; a blank line in the middle is an error with its number. */
function checkNoBlank(lines: string[], file: string, what: string): void {
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const blank = lines.findIndex((l) => l.trim() === '');
  if (blank >= 0) throw new InputError(`blank line: every line must hold one ${what}`, { file, line: blank + 1 });
}

export async function prepareText(spec: TextSpec, outDir: string, opts: PrepareOptions): Promise<DatasetInfo> {
  const notices: string[] = [];
  const notice = (m: string): void => {
    notices.push(m);
    opts.onNotice?.(m);
  };
  const seqFile = path.resolve(spec.sequences);
  const labelFile = path.resolve(spec.labels);
  const sequences = await readLines(seqFile);
  const skipped = spec.skipLabelLines ?? 0;
  const labelLines = (await readLines(labelFile)).slice(skipped);
  if (skipped) notice(`${labelFile}: skipped the first ${skipped} line${skipped === 1 ? '' : 's'} as asked (--skip-label-lines); labels pair with sequences from line ${skipped + 1}`);
  checkNoBlank(sequences, seqFile, 'sequence');
  checkNoBlank(labelLines, labelFile, 'line of labels');
  if (sequences.length === 0) throw new InputError('no sequences (the file is empty)', { file: seqFile });
  if (sequences[0].startsWith('>')) {
    throw new InputError('this looks like FASTA (it starts with ">"); the text source wants one bare sequence per line', { file: seqFile, line: 1 });
  }
  if (labelLines.length !== sequences.length) {
    const counts = `${labelLines.length} lines of labels${skipped ? ` (after skipping ${skipped})` : ''} but ${seqFile} has ${sequences.length} sequences`;
    if (labelLines.length < sequences.length) {
      throw new InputError(`${counts}: every sequence needs a label`, { file: labelFile });
    }
    // Which line is the odd one out cannot be told from the counts (in the published primer-motif
    // files it is the first), so the user says it; pairing from the top would silently shift labels.
    throw new InputError(
      `${counts}; refusing to pair them, since which label belongs to which sequence is unknown. If the file starts with ${labelLines.length - sequences.length} extra line${labelLines.length - sequences.length === 1 ? '' : 's'} (a header, say), pass --skip-label-lines ${labelLines.length - sequences.length}; otherwise fix the file`,
      { file: labelFile },
    );
  }

  const inputLength = sequences[0].trim().length;
  const n = sequences.length;
  const x = new Uint8Array(n * inputLength * CHANNEL_COUNT);
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    const seq = sequences[i].trim();
    if (seq.length !== inputLength) {
      throw new InputError(`sequence of ${seq.length} bp; line 1 has ${inputLength} bp and every sequence must have that length`, { file: seqFile, line: i + 1 });
    }
    const base = i * inputLength * CHANNEL_COUNT;
    const lead = sequences[i].length - sequences[i].trimStart().length;
    for (let p = 0; p < inputLength; p++) {
      const ch = seq.charCodeAt(p);
      const code = ch < 256 ? BASE_CODE[ch] : INVALID;
      if (code === INVALID) {
        throw new InputError(`${JSON.stringify(seq[p])} is not a DNA character (A, C, G, T, N or an IUPAC code)`, { file: seqFile, line: i + 1, column: lead + p + 1 });
      }
      if (code === UNKNOWN) unknown++;
      else x[base + p * CHANNEL_COUNT + code] = 1;
    }
  }

  let targetCount = -1;
  let y = new Uint8Array(0);
  for (let i = 0; i < n; i++) {
    const fields = labelLines[i].trim().split(/[\s,]+/);
    if (targetCount < 0) {
      targetCount = fields.length;
      y = new Uint8Array(n * targetCount);
    } else if (fields.length !== targetCount) {
      throw new InputError(`${fields.length} label columns; line 1 has ${targetCount}`, { file: labelFile, line: i + 1 });
    }
    fields.forEach((f, t) => {
      if (f !== '0' && f !== '1') throw new InputError(`label ${JSON.stringify(f)} in column ${t + 1} is not 0 or 1`, { file: labelFile, line: i + 1 });
      y[i * targetCount + t] = f === '1' ? 1 : 0;
    });
  }
  const dirName = path.basename(path.dirname(labelFile)) || 'label';
  const targets = spec.targets ?? (targetCount === 1 ? [dirName] : Array.from({ length: targetCount }, (_, t) => `${dirName}_${t}`));
  if (targets.length !== targetCount) {
    throw new UsageError(`${targets.length} target names were given but ${labelFile} has ${targetCount} label column${targetCount === 1 ? '' : 's'}`);
  }

  const fractions = checkFractions(spec.fractions ?? DEFAULT_FRACTIONS);
  const seed = spec.seed ?? DEFAULT_SEED;
  const sizes = splitSizes(n, fractions, 'random split');
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, seededRandom(seed));
  const assigned: Record<SplitName, number[]> = {
    train: order.slice(0, sizes.train).sort((a, b) => a - b),
    valid: order.slice(sizes.train, sizes.train + sizes.valid).sort((a, b) => a - b),
    test: order.slice(sizes.train + sizes.valid).sort((a, b) => a - b),
  };

  // Identical sequences in two splits make held-out scores optimistic; say how many there are.
  const splitOfSequence = new Map<string, SplitName>();
  let crossing = 0;
  for (const split of ['train', 'valid', 'test'] as const) {
    for (const i of assigned[split]) {
      const s = sequences[i].trim().toUpperCase();
      const seen = splitOfSequence.get(s);
      if (seen === undefined) splitOfSequence.set(s, split);
      else if (seen !== split) crossing++;
    }
  }
  if (crossing > 0) notice(`${crossing} sequence${crossing === 1 ? '' : 's'} of the valid/test splits also occur${crossing === 1 ? 's' : ''} verbatim in an earlier split`);
  if (unknown > 0) notice(`${unknown} positions (${formatFraction(unknown / (n * inputLength))}) are N or ambiguity codes, encoded as zero rows`);

  const rcCopies = spec.reverseComplementCopies ?? false;
  const binSize = spec.binSize ?? Math.min(inputLength, 200);
  const dir = await DatasetDirectory.open(outDir, opts.overwrite ?? false);
  const writers: SplitWriter[] = [];
  try {
    const splits: Partial<Record<SplitName, SplitSummary>> = {};
    for (const split of ['train', 'valid', 'test'] as const) {
      if (assigned[split].length === 0) continue;
      throwIfCancelled(opts.signal);
      const w = await SplitWriter.create(dir.temp, split, assigned[split].length, inputLength, targetCount, rcCopies && split === 'train');
      writers.push(w);
      for (const i of assigned[split]) await w.add(x, i * inputLength * CHANNEL_COUNT, y, i * targetCount);
      splits[split] = await w.close();
      writers.pop();
    }
    const manifest = newManifest({
      inputLength,
      binSize,
      targets,
      splits: splits as Record<'train' | 'valid', SplitSummary>,
      source: {
        kind: 'text',
        description: `${n} sequences of ${inputLength} bp, one per line, with ${targetCount} 0/1 label column${targetCount === 1 ? '' : 's'}`,
        paths: { sequences: seqFile, labels: labelFile },
        options: { fractions, seed, skipLabelLines: skipped, reverseComplementCopies: rcCopies },
      },
      splitRule:
        `Seeded random split (mulberry32 seed ${seed}, Fisher–Yates shuffle of the line numbers): the first ${sizes.train} shuffled lines are train, ` +
        `the next ${sizes.valid} valid${sizes.test ? `, the remaining ${sizes.test} test` : ''}; within a split, samples keep file order. ` +
        `Random assignment is sound here because the sequences are independent, not overlapping tiles of one genome.` +
        (rcCopies ? ' Each training sample is followed by its reverse complement (same labels).' : ''),
      checks: { unknownPositions: unknown, crossSplitDuplicates: crossing },
      notices,
    });
    return await dir.commit(manifest);
  } catch (e) {
    for (const w of writers) await w.abandon();
    await dir.abort();
    throw e;
  }
}
