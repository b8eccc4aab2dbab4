/** `tfbs evaluate`: scores a split of a prepared dataset with a model and reports ROC AUC / AP per experiment. */
import { UsageError } from '../../core/errors';
import { SPLIT_NAMES } from '../../training/datasets';
import { EvaluationReport, DEFAULT_EVAL_BATCH, evaluateModel, writeEvaluationOutputs } from '../../training/evaluate';
import { DEFAULT_MIN_POSITIVES } from '../../core/metrics';
import { choiceOption, intOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { defaultModelDir } from '../paths';
import { ProgressBar, formatSeconds } from '../progress';

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}

export function summaryText(r: EvaluationReport): string {
  const s = r.summary;
  return [
    `model        ${r.model.name} (${r.model.dir})`,
    `data         ${r.data.dir}, ${r.data.split} split: ${r.data.samples} windows${r.data.samples < r.data.samplesInSplit ? ` of ${r.data.samplesInSplit}` : ''}`,
    `strands      ${r.scoring.reverseComplement ? 'forward + reverse complement, averaged' : 'forward only'}`,
    `experiments  ${s.qualifying} of ${s.targets} with ≥ ${s.minPositives} positives`,
    `ROC AUC      mean ${fmt(s.meanRocAuc)}, median ${fmt(s.medianRocAuc)}, micro ${fmt(s.microRocAuc)}`,
    `AP           mean ${fmt(s.meanAveragePrecision)}, median ${fmt(s.medianAveragePrecision)} (positive rate ${fmt(s.meanPositiveRate)})`,
    `time         ${formatSeconds(r.scoring.seconds)} (${r.scoring.windowsPerSecond.toFixed(0)} windows/s, ${r.scoring.engine})`,
  ].join('\n');
}

export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary: 'score a split of a prepared dataset and report ROC AUC and average precision per experiment',
  usage: 'evaluate --data DIR [--model DIR] [--split test|valid|train] [--no-rc] [--batch N] [-o report.json] [--markdown report.md] [--plots DIR]',
  positionals: { min: 0, max: 0 },
  options: {
    model: { type: 'string', value: 'DIR', description: 'model directory (model.onnx + model.json); default: the shipped model' },
    data: { type: 'string', value: 'DIR', description: 'prepared dataset directory (tfbs dataset prepare)' },
    split: { type: 'string', value: 'NAME', description: 'split to score: test (default), valid or train' },
    rc: { type: 'boolean', description: 'average with the reverse-complement strand (default; --no-rc: forward only)' },
    batch: { type: 'string', value: 'N', description: `windows per inference batch, both strands counted (default ${DEFAULT_EVAL_BATCH})` },
    threads: { type: 'string', value: 'N', description: 'inference threads (default: all cores)' },
    device: { type: 'string', value: 'DEV', description: 'cpu or cuda (falls back to cpu with a notice)' },
    'min-positives': { type: 'string', value: 'N', description: `experiments with fewer positives are left out of the means (default ${DEFAULT_MIN_POSITIVES})` },
    'max-samples': { type: 'string', value: 'N', description: 'score only the first N samples of the split' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'JSON report (every experiment, curves)' },
    markdown: { type: 'string', value: 'FILE', description: 'Markdown report (summary, then one row per experiment)' },
    plots: { type: 'string', value: 'DIR', description: 'write roc.svg, pr.svg and auc-histogram.svg there' },
  },

  async run(args, io) {
    const dataDir = stringOption(args, 'data');
    if (!dataDir) throw new UsageError('--data DIR is required (a prepared dataset; make one with tfbs dataset prepare)');
    const split = choiceOption(args, 'split', SPLIT_NAMES, 'test');
    const device = choiceOption(args, 'device', ['cpu', 'cuda'] as const, 'cpu');
    const batchSize = intOption(args, 'batch', DEFAULT_EVAL_BATCH, 1, 8192);
    const threads = args.options.threads === undefined ? undefined : intOption(args, 'threads', 1, 1, 256);
    const minPositives = intOption(args, 'min-positives', DEFAULT_MIN_POSITIVES, 1);
    const maxSamples = args.options['max-samples'] === undefined ? undefined : intOption(args, 'max-samples', 1, 1);
    let bar: ProgressBar | undefined;
    const report = await evaluateModel({
      modelDir: stringOption(args, 'model') ?? defaultModelDir(),
      dataDir,
      split,
      reverseComplement: args.options.rc !== false,
      batchSize,
      threads,
      device,
      minPositives,
      maxSamples,
      signal: io.signal,
      onNotice: (m) => io.log(`notice: ${m}`),
      onProgress: (done, total) => {
        bar ??= new ProgressBar(total, io.interactive, 'evaluate');
        bar.update(done, `${done}/${total} samples`);
      },
    });
    bar?.done();
    const written = await writeEvaluationOutputs(report, { json: stringOption(args, 'output'), markdown: stringOption(args, 'markdown'), plotsDir: stringOption(args, 'plots') });
    process.stdout.write(summaryText(report) + '\n');
    for (const f of written) io.log(`wrote ${f}`);
    return 0;
  },
};

