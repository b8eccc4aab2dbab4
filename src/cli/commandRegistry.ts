/**
 * Every `tfbs` command, in the order help lists them: name and summary here (all that `tfbs --help`
 * needs), options and run in the command's module, loaded on demand. Importing all twelve modules up
 * front cost about 0.1 s of every call, most of it for commands not run.
 */
import { CliCommand, CommandEntry } from './command';

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'score',
    summary: 'score every bin of a FASTA file (plain or gzip) for every experiment of the model',
    load: async () => (await import(/* webpackChunkName: "score" */ './commands/score')).scoreCommand,
  },
  {
    name: 'info',
    summary: 'describe a model package and check that it loads',
    load: async () => (await import(/* webpackChunkName: "info" */ './commands/info')).infoCommand,
  },
  {
    name: 'index',
    summary: 'index a FASTA file (writes FILE.fai, samtools faidx format; FILE.gzi too when bgzip-compressed) for random access by region',
    load: async () => (await import(/* webpackChunkName: "index" */ './commands/index')).indexCommand,
  },
  {
    name: 'train',
    summary: 'train a model (PyTorch, in Python) and install it as a model package',
    load: async () => (await import(/* webpackChunkName: "train" */ './commands/train')).trainCommand,
  },
  {
    name: 'evaluate',
    summary: 'score a split of a prepared dataset and report ROC AUC and average precision per experiment',
    load: async () => (await import(/* webpackChunkName: "evaluate" */ './commands/evaluate')).evaluateCommand,
  },
  {
    name: 'dataset',
    summary: 'prepare training data (arrays, genome + peaks, or text) as a dataset directory, or describe one',
    load: async () => (await import(/* webpackChunkName: "dataset" */ './commands/dataset')).datasetCommand,
  },
  {
    name: 'import',
    summary: 'turn a Keras (.h5, .keras, DanQ Keras 0), TF.js or Selene PyTorch model into a model package',
    load: async () => (await import(/* webpackChunkName: "import" */ './commands/import')).importCommand,
  },
  {
    name: 'export',
    summary: 'write a model package that came from Keras or TF.js as a TF.js Layers model',
    load: async () => (await import(/* webpackChunkName: "export" */ './commands/export')).exportCommand,
  },
  {
    name: 'ism',
    summary: 'in-silico mutagenesis of one bin or a selection: every substitution\'s effect (TSV) and per-base attribution (bedGraph)',
    load: async () => (await import(/* webpackChunkName: "ism" */ './commands/ism')).ismCommand,
  },
  {
    name: 'motifs',
    summary: 'compare motifs with JASPAR (Tomtom\'s columns) or scan FASTA for a factor\'s sites (FIMO\'s columns)',
    load: async () => (await import(/* webpackChunkName: "motifs" */ './commands/motifs')).motifsCommand,
  },
  {
    name: 'variants',
    summary: 'score the effect of VCF variants (ref vs alt probability, Δp, Δlogit, log2 fold change) per experiment',
    load: async () => (await import(/* webpackChunkName: "variants" */ './commands/variants')).variantsCommand,
  },
  {
    name: 'merge',
    summary: 'merge the shards of a split run (score --shard K/N --format bins) into bigWig, narrowPeak, BED or bedGraph',
    load: async () => (await import(/* webpackChunkName: "merge" */ './commands/merge')).mergeCommand,
  },
];

/** Every command with its module loaded (for the USER_README's CLI reference: scripts/user-readme.js). */
export async function loadAllCommands(): Promise<Array<CommandEntry & CliCommand>> {
  return Promise.all(COMMANDS.map(async (entry) => ({ ...entry, ...(await entry.load()) })));
}
