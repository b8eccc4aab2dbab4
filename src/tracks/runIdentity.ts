/**
 * What makes the parts of a split genome run (the shards of `tfbs score --shard`, the chunks of
 * `--resume`) parts of one run: the same network bytes, arithmetic and engine, the same bins and
 * strands, the same experiments, and the same genome. Parts that differ in any of these would merge
 * into a track that no single run writes (a model reinstalled between shards, int8 beside fp32), so
 * merge and resume compare identities and refuse a mix, naming the field.
 *
 * The genome is identified by the SHA-256 of the FASTA's bytes, not by its path, size or mtime: a
 * copy staged on another node is the same genome (and merges), while a hard-masked copy — the same
 * .fai, the same size, other bases — is not. It costs one read of the file per shard (≈ 2.5 s for a
 * 3.1 GB genome at 1.25 GB/s on an AMD EPYC), small beside scoring it.
 */
import { promises as fs } from 'fs';
import { sha256OfFile } from '../core/checksum';
import { ioErrorFrom } from '../core/errors';
import { InferenceEngine, Precision } from '../core/engine';
import { ModelPackage } from '../core/modelPackage';
import { tfjsShardFiles } from '../core/tfjsShards';
import { ChromSize } from './bigwig';

export interface RunIdentity {
  /** The model's name (the outputs' labels carry it). */
  model: string;
  /** SHA-256 of the network (model.onnx; for a TF.js model, of its JSON and weight files). */
  modelSha256: string;
  precision: Precision;
  /** The runtime, device and graph that computed the probabilities (not thread counts). */
  engine: string;
  binSize: number;
  reverseComplement: boolean;
  /** Output indices written, ascending; their names, for the merged outputs' labels. */
  selected: number[];
  experiments: string[];
  fasta: { sha256: string; bytes: number };
  chromSizes: ChromSize[];
}

/** The fields compared, in the order a difference is reported, with the words that name them. */
const FIELDS: ReadonlyArray<[keyof RunIdentity, string]> = [
  ['modelSha256', 'model checksum (the network file: another build or version of the model)'],
  ['model', 'model name'],
  ['precision', 'precision (--precision)'],
  ['engine', 'engine (runtime, device, chunk or per-window graph)'],
  ['binSize', 'bin size (--bin)'],
  ['reverseComplement', 'strands (--no-rc)'],
  ['selected', 'experiments written (--targets)'],
  ['experiments', "the model's experiment list"],
  ['fasta', 'FASTA (SHA-256 of its bytes: another genome or another masking)'],
  ['chromSizes', 'chromosome sizes (.fai)'],
];

const shown = (v: unknown): string => {
  const text = typeof v === 'string' ? v : JSON.stringify(v) ?? 'absent';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
};

/** The first field in which two identities differ, as "FIELD: A vs B", or undefined when they agree. */
export function identityDifference(a: RunIdentity, b: RunIdentity, aName: string, bName: string): string | undefined {
  for (const [key, words] of FIELDS) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return `${words} differs: ${shown(a[key])} in ${aName}, ${shown(b[key])} in ${bName}`;
  }
  return undefined;
}

/** The identity fields of an object read from a file (a shard header, a journal), for comparing. */
export function identityOf(h: RunIdentity): RunIdentity {
  const out: Partial<Record<keyof RunIdentity, unknown>> = {};
  for (const [key] of FIELDS) out[key] = h[key];
  return out as RunIdentity;
}

/**
 * SHA-256 of the network: model.json's onnx.sha256 when present (loading checked it against the
 * file), else of the file itself; a TF.js model's weight files count too.
 */
export async function networkChecksum(pkg: ModelPackage): Promise<string> {
  const recorded = pkg.manifest.onnx?.sha256;
  if (recorded) return recorded.toLowerCase();
  const own = await sha256OfFile(pkg.networkPath);
  if (pkg.format !== 'tfjs') return own;
  const json = JSON.parse(await fs.readFile(pkg.networkPath, 'utf8')) as { weightsManifest?: Array<{ paths?: string[] }> };
  const parts = [own];
  // Confined to the package as the engine confines them: a model.json naming ../../x would otherwise
  // make a run's identity read (and depend on) a file outside the package.
  for (const shard of await tfjsShardFiles(pkg.networkPath, json.weightsManifest ?? [], pkg.dir)) parts.push(await sha256OfFile(shard.file));
  return parts.join('+');
}

/**
 * The engine as it computes: its description without thread or worker counts (shards scored on one
 * thread merge into the bytes of a two-thread run: test/unit/merge.test.ts's workflow test).
 */
export function engineIdentity(engine: InferenceEngine): string {
  return engine.description.replace(/, \d+ threads?/, '').replace(/ on \d+ worker threads?/, '');
}

export interface RunInputs {
  pkg: ModelPackage;
  engine: InferenceEngine;
  precision: Precision;
  fasta: string;
  binSize: number;
  reverseComplement: boolean;
  selected: number[];
  chromSizes: ChromSize[];
}

export async function runIdentity(inputs: RunInputs): Promise<RunIdentity> {
  const { pkg, fasta } = inputs;
  const bytes = (
    await fs.stat(fasta).catch((e) => {
      throw ioErrorFrom(e, fasta, 'read');
    })
  ).size;
  return {
    model: pkg.manifest.name,
    modelSha256: await networkChecksum(pkg),
    precision: inputs.precision,
    engine: engineIdentity(inputs.engine),
    binSize: inputs.binSize,
    reverseComplement: inputs.reverseComplement,
    selected: inputs.selected,
    experiments: pkg.experiments.map((e) => e.name),
    fasta: { sha256: await sha256OfFile(fasta), bytes },
    chromSizes: inputs.chromSizes,
  };
}
