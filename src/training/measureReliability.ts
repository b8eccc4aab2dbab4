/**
 * Turns evaluations into a package's reliability data (core/reliability.ts): the held-out split of a
 * prepared dataset (`tfbs evaluate --data … --write-reliability`, and every `tfbs train`) and the
 * out-of-region yardstick (`tfbs evaluate --peaks … --write-reliability`). Each refreshes its own part
 * and keeps the other, as long as the network is the same.
 */
import { ModelPackage, loadModelPackage } from '../core/modelPackage';
import { RankingMeasure, ReliabilityData, mergeReliability, writeReliability } from '../core/reliability';
import { ModelError } from '../core/errors';
import { readPreparedDataset } from './datasets';
import { EvaluationReport } from './evaluate';
import { PeakYardstickReport } from './yardstick';

function checkSinglePackage(report: { model: { ensemble?: string[] } }, pkg: ModelPackage): void {
  if (report.model.ensemble) {
    throw new ModelError('reliability belongs to one network: --write-reliability cannot record an ensemble\'s numbers in one member', { file: pkg.dir });
  }
}

/** Held-out numbers from an evaluation of `pkg` on a prepared dataset, merged into its reliability data. */
export async function reliabilityFromEvaluation(pkg: ModelPackage, report: EvaluationReport): Promise<ReliabilityData> {
  checkSinglePackage(report, pkg);
  if (report.data.split === 'train') {
    throw new ModelError('the train split is what the model learned from, not held out: measure reliability on the test (or valid) split', { file: pkg.dir });
  }
  const data = await readPreparedDataset(report.data.dir);
  const measures: RankingMeasure[] = report.experiments.map((e) => ({ rocAuc: e.rocAuc, averagePrecision: e.averagePrecision, positives: e.positives, negatives: e.negatives }));
  return mergeReliability(pkg.reliability, { targets: pkg.manifest.targets, sha256: pkg.manifest.onnx?.sha256 }, {
    heldOut: {
      info: {
        source: report.data.source,
        split: report.data.split,
        splitRule: report.data.splitRule,
        samples: report.data.samples,
        reverseComplement: report.scoring.reverseComplement,
        minPositives: report.summary.minPositives,
      },
      measures,
      // What the model saw of each output.
      trainPositives: data.splits.train.positives,
    },
  });
}

/** Out-of-region numbers of one factor's outputs from the peak yardstick, merged into `pkg`'s data. */
export function reliabilityFromYardstick(pkg: ModelPackage, report: PeakYardstickReport): ReliabilityData {
  checkSinglePackage(report, pkg);
  const measures = new Map<number, RankingMeasure>();
  for (const e of report.experiments) measures.set(e.index, { rocAuc: e.rocAuc, averagePrecision: e.averagePrecision, positives: e.positives, negatives: e.negatives });
  return mergeReliability(pkg.reliability, { targets: pkg.manifest.targets, sha256: pkg.manifest.onnx?.sha256 }, {
    outOfRegion: {
      info: { peaks: report.peaks.file, factor: report.factor, sequences: report.peaks.records, shuffles: report.negatives.perPeak, seed: report.negatives.seed },
      measures,
    },
  });
}

/** Writes the data into the package and loads it back, so that what was written is what loading accepts. */
export async function writePackageReliability(pkg: ModelPackage, data: ReliabilityData): Promise<ModelPackage> {
  await writeReliability(pkg.dir, data);
  return loadModelPackage(pkg.dir);
}
