/**
 * `tfbs merge`: the shards of a split genome run (`tfbs score --shard K/N --format bins`) into the
 * bigWig, narrowPeak, BED or bedGraph a single run writes — byte for byte, since the shards hold the
 * exact probabilities and are replayed in genome order through the same writers. A missing,
 * repeated, foreign or truncated shard is refused, naming it; nothing is written then.
 */
import { UsageError } from '../../core/errors';
import { MERGE_FORMATS, checkedShards, writeMerged } from '../../tracks/mergeShards';
import { choiceOption, numberOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { BIGWIG_UNCOMPRESSED_OPTION, DEFAULT_BED_THRESHOLD, bigwigUncompressedOption } from '../scoringOptions';

export const mergeCommand: CliCommand = {
  usage: 'merge <shard.bins>... --format bigwig|narrowpeak|bed|bedgraph [--threshold P] [--bigwig-uncompressed] [-o FILE|DIR]',
  positionals: { min: 1, max: Number.MAX_SAFE_INTEGER },
  options: {
    format: { type: 'string', value: 'FORMAT', description: 'bigwig (one .bw per experiment, -o DIR), narrowpeak, bed or bedgraph (several experiments: -o DIR); default bigwig' },
    threshold: { type: 'string', value: 'P', description: `BED, narrowPeak: bins with probability ≥ P (default ${DEFAULT_BED_THRESHOLD})` },
    'bigwig-uncompressed': BIGWIG_UNCOMPRESSED_OPTION,
    output: { type: 'string', short: 'o', value: 'FILE', description: 'output file or directory; default stdout (text formats)' },
  },

  async run(args, io) {
    const format = choiceOption(args, 'format', MERGE_FORMATS, 'bigwig');
    if (args.options.threshold !== undefined && format !== 'bed' && format !== 'narrowpeak') throw new UsageError('--threshold applies to --format bed and narrowpeak only');
    const threshold = numberOption(args, 'threshold', DEFAULT_BED_THRESHOLD, 0, 1);
    const uncompressed = bigwigUncompressedOption(args, format);
    const output = stringOption(args, 'output');
    const shards = await checkedShards(args.positionals);
    const bins = await writeMerged(shards, format, output, threshold, { uncompressed });
    io.log(`merged ${shards.length} shard${shards.length === 1 ? '' : 's'} (${bins.toLocaleString('en')} bins, ${shards[0].header.selected.length} experiment${shards[0].header.selected.length === 1 ? '' : 's'}) as ${format}${output ? ` → ${output}` : ''}`);
    return 0;
  },
};

