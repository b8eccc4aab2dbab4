/** `tfbs index`: writes FASTA.fai (samtools faidx format) so that `score --region` reads by random access. */
import { writeFileAtomic } from '../../core/atomicFile';
import { InputError } from '../../core/errors';
import { buildFai, formatFai } from '../../core/fasta';
import { CliCommand } from '../command';

export const indexCommand: CliCommand = {
  name: 'index',
  summary: 'index a FASTA file (writes FILE.fai, samtools faidx format) for random access by region',
  usage: 'index <fasta>',
  positionals: { min: 1, max: 1 },
  options: {},
  async run(args, io) {
    const [fasta] = args.positionals;
    const entries = await buildFai(fasta, (warning) => io.log(`warning: ${warning}`));
    if (!entries.length) throw new InputError('no ">" header: not a FASTA file', { file: fasta });
    await writeFileAtomic(`${fasta}.fai`, formatFai(entries));
    const total = entries.reduce((n, e) => n + e.length, 0);
    io.log(`indexed ${entries.length} record${entries.length === 1 ? '' : 's'} (${total.toLocaleString('en')} bp) → ${fasta}.fai`);
    return 0;
  },
};
