/**
 * An ensemble: several models of the same experiments whose probabilities are averaged, window by
 * window. Used to measure whether averaging independently trained models (e.g. seeds of one recipe)
 * helps (`tfbs evaluate --ensemble`); it is an engine like any other, so every caller of the engine
 * interface can score with one. The members run one after another (each uses the threads it was
 * opened with) and the mean is taken in float64 per value.
 */
import { ModelError } from './errors';
import { InferenceEngine } from './engine';
import { ModelPackage, loadModelPackage } from './modelPackage';
import { targetDifferences } from './targets';

/**
 * Members must agree on what they predict and what they read: the same experiments in the same
 * order, the same window length and bin size. Refuses otherwise, naming the member and the first
 * differences.
 */
export function checkEnsembleMembers(pkgs: readonly ModelPackage[]): void {
  if (pkgs.length < 2) return;
  const [first, ...rest] = pkgs;
  for (const other of rest) {
    const a = first.manifest;
    const b = other.manifest;
    const where = { file: other.dir };
    if (b.input.length !== a.input.length) {
      throw new ModelError(`an ensemble's models must read windows of one length: this one reads ${b.input.length} bp, the first (${first.dir}) ${a.input.length} bp`, where);
    }
    if (b.binSize !== a.binSize) {
      throw new ModelError(`an ensemble's models must be trained for one bin size: this one for ${b.binSize} bp, the first (${first.dir}) for ${a.binSize} bp`, where);
    }
    if (b.targets.length !== a.targets.length) {
      throw new ModelError(`an ensemble's models must predict the same experiments: this one has ${b.targets.length} outputs, the first (${first.dir}) ${a.targets.length}`, where);
    }
    const { count, text } = targetDifferences(a.targets, b.targets, (theFirst, thisOne) => `"${thisOne}", the first's "${theFirst}"`);
    if (count) {
      throw new ModelError(
        `an ensemble's models must predict the same experiments in the same order: this one differs from the first (${first.dir}) at ${count} of ${a.targets.length} outputs (${text})`,
        where,
      );
    }
  }
}

/**
 * Loads the packages of an ensemble, the model named first first. They are checked against each
 * other where they are opened together (openEnsembleEngine), the one way into an ensemble.
 */
export async function loadEnsemblePackages(dirs: readonly string[]): Promise<ModelPackage[]> {
  const pkgs: ModelPackage[] = [];
  for (const dir of dirs) pkgs.push(await loadModelPackage(dir));
  return pkgs;
}

/** A report's name for one model or an ensemble: "a", or "mean of a + b". */
export function ensembleName(pkgs: readonly ModelPackage[]): string {
  return pkgs.length === 1 ? pkgs[0].manifest.name : `mean of ${pkgs.map((p) => p.manifest.name).join(' + ')}`;
}

/** The mean of the members' outputs; disposing it disposes every member. */
export class EnsembleEngine implements InferenceEngine {
  readonly description: string;
  readonly device: InferenceEngine['device'];
  readonly inputLength: number;
  readonly outputCount: number;
  readonly runChunks?: InferenceEngine['runChunks'];

  constructor(private readonly members: readonly InferenceEngine[]) {
    if (members.length === 0) throw new Error('an ensemble needs at least one member');
    const [first] = members;
    for (const m of members) {
      if (m.inputLength !== first.inputLength || m.outputCount !== first.outputCount) {
        throw new ModelError(`an ensemble's engines disagree on their shape (${m.inputLength} bp → ${m.outputCount} outputs against ${first.inputLength} bp → ${first.outputCount})`);
      }
    }
    this.inputLength = first.inputLength;
    this.outputCount = first.outputCount;
    this.device = members.every((m) => m.device === 'cuda') ? 'cuda' : 'cpu';
    const kinds = [...new Set(members.map((m) => m.description))];
    this.description = `ensemble of ${members.length}: ${kinds.join('; ')}`;
    // The shared-convolution path only where every member has one (a mixed ensemble scores windows).
    if (members.every((m) => m.runChunks)) {
      this.runChunks = (input, count, length, offsets) => this.mean((m) => (m.runChunks as NonNullable<InferenceEngine['runChunks']>).call(m, input, count, length, offsets));
    }
  }

  run(input: Float32Array, count: number): Promise<Float32Array> {
    return this.mean((m) => m.run(input, count));
  }

  private async mean(call: (m: InferenceEngine) => Promise<Float32Array>): Promise<Float32Array> {
    let sum: Float64Array | undefined;
    for (const m of this.members) {
      const out = await call(m);
      if (!sum) sum = new Float64Array(out.length);
      else if (out.length !== sum.length) throw new ModelError(`an ensemble's members returned ${out.length} and ${sum.length} values for the same call`);
      for (let i = 0; i < out.length; i++) sum[i] += out[i];
    }
    const s = sum as Float64Array;
    const result = new Float32Array(s.length);
    const k = this.members.length;
    for (let i = 0; i < s.length; i++) result[i] = s[i] / k;
    return result;
  }

  async dispose(): Promise<void> {
    const results = await Promise.allSettled(this.members.map((m) => m.dispose()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
