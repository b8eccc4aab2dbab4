/**
 * The option specs every scoring command (score, ism, variants, evaluate) shares, worded once; and
 * those score shares with merge (here, so that merge does not load score's module).
 */
import { UsageError } from '../core/errors';
import { OptionSpec } from './args';
import { ParsedArgs } from './command';

export const MODEL_OPTION: OptionSpec = { type: 'string', value: 'DIR', description: 'model directory (model.onnx + model.json); default: the shipped model' };
export const TARGETS_OPTION: OptionSpec = { type: 'string', value: 'LIST', description: 'comma-separated output indices, experiment names, factors or cell types; default all' };
export const RC_OPTION: OptionSpec = { type: 'boolean', description: 'average with the reverse-complement strand (default; --no-rc: forward only)' };
export const THREADS_OPTION: OptionSpec = { type: 'string', value: 'N', description: 'inference threads (default: all cores)' };
export const DEVICE_OPTION: OptionSpec = { type: 'string', value: 'DEV', description: 'cpu or cuda (needs ORT CUDA binaries; falls back to cpu with a notice)' };

/** BED and narrowPeak: the probability a bin must reach (score and merge). */
export const DEFAULT_BED_THRESHOLD = 0.5;
/** `--bigwig-uncompressed` (score and merge): bigWig blocks not deflated (see src/tracks/bigwig.ts). */
export const BIGWIG_UNCOMPRESSED_OPTION: OptionSpec = { type: 'boolean', description: 'bigWig: data and zoom blocks written uncompressed, as bedGraphToBigWig -unc (about half the writer\'s CPU; files about 1.3× larger; bigWig readers read them alike)' };

/** `--bigwig-uncompressed` as given, refused with any format but bigWig (`elsewhere`: where else it applies). */
export function bigwigUncompressedOption(args: ParsedArgs, format: string, elsewhere = ''): boolean {
  const uncompressed = args.options['bigwig-uncompressed'] === true;
  if (uncompressed && format !== 'bigwig') throw new UsageError(`--bigwig-uncompressed applies to --format bigwig only${elsewhere}`);
  return uncompressed;
}
