/**
 * `tfbs evaluate`: scores a split of a prepared dataset with a model and reports ROC AUC / AP per
 * experiment; with --peaks, the out-of-region yardstick instead (peaks against their own
 * dinucleotide shuffles, on one factor's experiments: training/yardstick.ts).
 */
import { writeFileAtomic } from '../../core/atomicFile';
import { UsageError } from '../../core/errors';
import { SPLIT_NAMES } from '../../training/datasets';
import { EvaluationReport, DEFAULT_EVAL_BATCH, evaluateModel, writeEvaluationOutputs } from '../../training/evaluate';
import { loadModelPackage } from '../../core/modelPackage';
import { reliabilityFromEvaluation, reliabilityFromYardstick, writePackageReliability } from '../../training/measureReliability';
import { RELIABILITY_FILE } from '../../core/reliability';
import { DEFAULT_MIN_POSITIVES } from '../../core/metrics';
import { calibrationText } from '../../training/calibrationReport';
import { calibrationStudy, calibrationStudyText } from '../../training/calibrationStudy';
import { DEFAULT_FACTOR, DEFAULT_SHUFFLES, DEFAULT_SHUFFLE_SEED, peakYardstick, yardstickSummaryText } from '../../training/yardstick';
import { choiceOption, intOption, listOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { defaultModelDir } from '../paths';
import { ProgressBar, formatSeconds } from '../progress';
import { MODEL_OPTION, RC_OPTION, THREADS_OPTION } from '../scoringOptions';

function fmt(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}

function summaryText(r: EvaluationReport): string {
  const s = r.summary;
  return [
    `model        ${r.model.name} (${(r.model.ensemble ?? [r.model.dir]).join(', ')})`,
    `data         ${r.data.dir}, ${r.data.split} split: ${r.data.samples} windows${r.data.samples < r.data.samplesInSplit ? ` of ${r.data.samplesInSplit}` : ''}`,
    `strands      ${r.scoring.reverseComplement ? 'forward + reverse complement, averaged' : 'forward only'}`,
    `experiments  ${s.qualifying} of ${s.targets} with ≥ ${s.minPositives} positives`,
    `ROC AUC      mean ${fmt(s.meanRocAuc)}, median ${fmt(s.medianRocAuc)}, micro ${fmt(s.microRocAuc)}`,
    `AP           mean ${fmt(s.meanAveragePrecision)}, median ${fmt(s.medianAveragePrecision)} (positive rate ${fmt(s.meanPositiveRate)})`,
    `time         ${formatSeconds(r.scoring.seconds)} (${r.scoring.windowsPerSecond.toFixed(0)} windows/s, ${r.scoring.engine})`,
    calibrationText(r.calibration, s.minPositives),
  ].join('\n');
}

export const evaluateCommand: CliCommand = {
  usage: 'evaluate --data DIR [--model DIR] [--ensemble DIR]… [--split test|valid|train] [--no-rc] [--batch N] [-o report.json] [--markdown report.md] [--plots DIR] [--write-reliability]\n    or: tfbs evaluate --data DIR --fit-calibration [--model DIR] [-o study.json]\n    or: tfbs evaluate --peaks FASTA [--model DIR] [--ensemble DIR]… [--factor CTCF] [--shuffles N] [--seed N] [--motifs JASPAR] [-o report.json] [--write-reliability]',
  positionals: { min: 0, max: 0 },
  options: {
    model: MODEL_OPTION,
    ensemble: { type: 'string', repeatable: true, value: 'DIR', description: 'also this model (repeatable): the mean of every model\'s probabilities is scored, an ensemble; the models must predict the same experiments' },
    data: { type: 'string', value: 'DIR', description: 'prepared dataset directory (tfbs dataset prepare)' },
    split: { type: 'string', value: 'NAME', description: 'split to score: test (default), valid or train' },
    rc: RC_OPTION,
    batch: { type: 'string', value: 'N', description: `windows per inference batch, both strands counted (default ${DEFAULT_EVAL_BATCH})` },
    threads: THREADS_OPTION,
    device: { type: 'string', value: 'DEV', description: 'cpu or cuda (falls back to cpu with a notice)' },
    'min-positives': { type: 'string', value: 'N', description: `experiments with fewer positives are left out of the means (default ${DEFAULT_MIN_POSITIVES})` },
    'max-samples': { type: 'string', value: 'N', description: 'score only the first N samples of the split' },
    output: { type: 'string', short: 'o', value: 'FILE', description: 'JSON report (every experiment, curves)' },
    markdown: { type: 'string', value: 'FILE', description: 'Markdown report (summary, then one row per experiment)' },
    plots: { type: 'string', value: 'DIR', description: 'write roc.svg, pr.svg, auc-histogram.svg and reliability.svg (the reliability diagram) there' },
    peaks: { type: 'string', value: 'FASTA', description: 'out-of-region yardstick: these peak sequences against their dinucleotide shuffles (instead of --data)' },
    factor: { type: 'string', value: 'NAME', description: `with --peaks: the factor whose experiments are scored (default ${DEFAULT_FACTOR})` },
    shuffles: { type: 'string', value: 'N', description: `with --peaks: shuffled negatives per peak (default ${DEFAULT_SHUFFLES})` },
    motifs: { type: 'string', value: 'JASPAR', description: 'with --peaks: also score the factor\'s motifs from this JASPAR file alone, as a reference' },
    seed: { type: 'string', value: 'N', description: `with --peaks: seed of the shuffles (default ${DEFAULT_SHUFFLE_SEED})` },
    'fit-calibration': { type: 'boolean', description: 'with --data: fit temperature and Platt calibration (per experiment, pooled per factor, one map for all) on the valid block and judge it on the test block, and the other way round; prints ECE, log-loss, ROC AUC and AP of each against the uncalibrated model' },
    'write-reliability': { type: 'boolean', description: `record the per-experiment numbers in the model package (${RELIABILITY_FILE}): held-out ROC AUC, AP and positives with --data, the out-of-region yardstick with --peaks; the other part is kept` },
  },

  async run(args, io) {
    const dataDir = stringOption(args, 'data');
    const peaks = stringOption(args, 'peaks');
    const device = choiceOption(args, 'device', ['cpu', 'cuda'] as const, 'cpu');
    const batchSize = intOption(args, 'batch', DEFAULT_EVAL_BATCH, 1, 8192);
    const threads = args.options.threads === undefined ? undefined : intOption(args, 'threads', 1, 1, 256);
    const writeReliability = args.options['write-reliability'] === true;
    if (writeReliability && args.options.ensemble !== undefined) {
      throw new UsageError('--write-reliability records one network\'s numbers in its package; it does not apply to --ensemble');
    }
    if (writeReliability && args.options['max-samples'] !== undefined) {
      throw new UsageError('--write-reliability records the whole split; --max-samples would record a part of it as if it were all');
    }
    const modelDir = stringOption(args, 'model') ?? defaultModelDir();
    if (peaks !== undefined) {
      if (dataDir !== undefined) throw new UsageError('--peaks and --data are two different evaluations; give one');
      for (const o of ['split', 'markdown', 'plots', 'min-positives', 'max-samples', 'rc', 'fit-calibration'] as const) {
        if (args.options[o] !== undefined) throw new UsageError(`--${o === 'rc' ? 'no-rc' : o} does not apply to --peaks (both strands are always averaged there)`);
      }
      let bar: ProgressBar | undefined;
      const report = await peakYardstick({
        modelDir,
        ensemble: listOption(args, 'ensemble'),
        peaks,
        factor: stringOption(args, 'factor') ?? DEFAULT_FACTOR,
        shuffles: intOption(args, 'shuffles', DEFAULT_SHUFFLES, 1, 100),
        seed: intOption(args, 'seed', DEFAULT_SHUFFLE_SEED, 0, 0xffffffff),
        motifs: stringOption(args, 'motifs'),
        batchSize,
        threads,
        device,
        signal: io.signal,
        onNotice: (m) => io.log(`notice: ${m}`),
        onProgress: (done, total) => {
          bar ??= new ProgressBar(total, io.interactive, 'yardstick');
          bar.update(done, `${done}/${total} windows`);
        },
      });
      bar?.done();
      const json = stringOption(args, 'output');
      if (json) await writeFileAtomic(json, JSON.stringify(report, null, 2) + '\n');
      process.stdout.write(yardstickSummaryText(report) + '\n');
      if (json) io.log(`wrote ${json}`);
      if (writeReliability) {
        const pkg = await loadModelPackage(modelDir);
        await writePackageReliability(pkg, reliabilityFromYardstick(pkg, report));
        io.log(`wrote the out-of-region numbers of ${report.experiments.length} ${report.factor} experiments to ${pkg.dir}/${RELIABILITY_FILE}`);
      }
      return 0;
    }
    for (const o of ['factor', 'shuffles', 'seed', 'motifs'] as const) {
      if (args.options[o] !== undefined) throw new UsageError(`--${o} applies only to --peaks`);
    }
    if (!dataDir) throw new UsageError('--data DIR is required (a prepared dataset; make one with tfbs dataset prepare), or --peaks FASTA for the out-of-region yardstick');
    if (args.options['fit-calibration'] === true) {
      for (const o of ['split', 'markdown', 'plots', 'max-samples', 'write-reliability', 'ensemble'] as const) {
        if (args.options[o] !== undefined) throw new UsageError(`--${o} does not apply to --fit-calibration (it scores the whole valid and test blocks with one model)`);
      }
      let bar: ProgressBar | undefined;
      const study = await calibrationStudy({
        modelDir, dataDir, reverseComplement: args.options.rc !== false, batchSize, threads, device,
        minPositives: intOption(args, 'min-positives', DEFAULT_MIN_POSITIVES, 1),
        signal: io.signal,
        onNotice: (m) => io.log(`notice: ${m}`),
        onProgress: (done, total) => {
          bar ??= new ProgressBar(total, io.interactive, 'calibration');
          bar.update(done, `${done}/${total} samples`);
          if (done === total) {
            bar.done();
            bar = undefined;
          }
        },
      });
      const json = stringOption(args, 'output');
      if (json) await writeFileAtomic(json, JSON.stringify(study, null, 2) + '\n');
      process.stdout.write(calibrationStudyText(study) + '\n');
      if (json) io.log(`wrote ${json}`);
      return 0;
    }
    const split = choiceOption(args, 'split', SPLIT_NAMES, 'test');
    if (writeReliability && split === 'train') {
      throw new UsageError('--write-reliability needs held-out data: the train split is what the model learned from (use --split test or valid)');
    }
    const minPositives = intOption(args, 'min-positives', DEFAULT_MIN_POSITIVES, 1);
    const maxSamples = args.options['max-samples'] === undefined ? undefined : intOption(args, 'max-samples', 1, 1);
    let bar: ProgressBar | undefined;
    const report = await evaluateModel({
      modelDir,
      ensemble: listOption(args, 'ensemble'),
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
    if (writeReliability) {
      const pkg = await loadModelPackage(modelDir);
      await writePackageReliability(pkg, await reliabilityFromEvaluation(pkg, report));
      io.log(`wrote the held-out numbers of ${report.experiments.length} experiments (${report.summary.qualifying} measured with ≥ ${report.summary.minPositives} positives) to ${pkg.dir}/${RELIABILITY_FILE}`);
    }
    return 0;
  },
};

