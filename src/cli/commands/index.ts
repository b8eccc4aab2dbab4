/**
 * `tfbs index`: writes FASTA.fai (samtools faidx format) so that `score --region` reads by random
 * access; for a bgzip-compressed FASTA also FASTA.gzi, the block offsets the region reader needs.
 */
import { writeFileAtomic } from '../../core/atomicFile';
import { InputError } from '../../core/errors';
import { NO_HEADER_MESSAGE, buildFastaIndex, formatFai } from '../../core/fasta';
import { CliCommand } from '../command';

export const indexCommand: CliCommand = {
  usage: 'index <fasta>',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(args, io) {
    const [fasta] = args.positionals;
    const { entries, gzi } = await buildFastaIndex(fasta, (warning) => io.log(`warning: ${warning}`));
    if (!entries.length) throw new InputError(NO_HEADER_MESSAGE, { file: fasta });
    await writeFileAtomic(`${fasta}.fai`, formatFai(entries));
    if (gzi) await writeFileAtomic(`${fasta}.gzi`, gzi);
    const total = entries.reduce((n, e) => n + e.length, 0);
    io.log(`indexed ${entries.length} record${entries.length === 1 ? '' : 's'} (${total.toLocaleString('en')} bp) → ${fasta}.fai${gzi ? ` and ${fasta}.gzi` : ''}`);
    return 0;
  },
};
