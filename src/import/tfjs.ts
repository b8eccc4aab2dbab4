/**
 * TF.js Layers models (`model.json` + binary weight shards, as written by tensorflowjs_converter or
 * tfjs-layers' model.save): the topology is Keras' config dialect, the weights are float32 arrays
 * concatenated across the shards in weightsManifest order and named `<layer>/<weight>`.
 */
import { ModelError } from '../core/errors';
import { TfjsWeightGroup, readTfjsShards } from '../core/tfjsShards';
import { kerasNetwork, NamedArray, withInputLength } from './keras';
import { ImportedNetwork, KerasImportOptions } from './kerasFiles';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: unknown;
}

export interface TfjsModelFiles {
  /** The model.json text, parsed. */
  json: { modelTopology?: unknown; weightsManifest?: Array<TfjsWeightGroup<WeightSpec>>; format?: string };
  /** Shard paths relative to model.json's folder, in order. */
  shards: string[];
}

export function looksLikeTfjs(json: unknown): boolean {
  const j = json as Record<string, unknown> | null;
  return !!j && typeof j === 'object' && 'modelTopology' in j && Array.isArray(j.weightsManifest);
}

export async function readTfjs(file: string, json: TfjsModelFiles['json'], opts: KerasImportOptions = {}): Promise<ImportedNetwork & { shards: string[] }> {
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (!topology || typeof topology !== 'object') throw new ModelError('has no modelTopology: a TF.js graph model (not a Layers model) cannot be imported', { file, field: 'modelTopology' });
  // tensorflowjs_converter nests the Keras config under model_config; tfjs-layers' save does not.
  let config: unknown = topology.model_config ?? topology;
  if (opts.length) config = withInputLength(config, opts.length);
  const manifest = json.weightsManifest ?? [];
  const shards = await readTfjsShards(file, manifest);
  const byName = new Map<string, NamedArray>();
  for (const [g, group] of manifest.entries()) {
    const all = shards.groups[g];
    let at = 0;
    for (const w of group.weights ?? []) {
      if (w.quantization) throw new ModelError(`weight ${w.name} is quantized; only float32 TF.js weights can be imported`, { file, field: 'weightsManifest' });
      if ((w.dtype ?? 'float32') !== 'float32') throw new ModelError(`weight ${w.name} has dtype ${w.dtype}; only float32 is supported`, { file, field: 'weightsManifest' });
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (at + 4 * n > all.length) {
        throw new ModelError(`the shards of weightsManifest[${g}] hold ${all.length} bytes; weight ${w.name} needs bytes ${at}–${at + 4 * n} (a shard is truncated)`, { file, field: 'weightsManifest' });
      }
      const data = new Float32Array(n);
      Buffer.from(data.buffer).set(all.subarray(at, at + 4 * n));
      byName.set(w.name, { name: w.name, shape: w.shape, data });
      at += 4 * n;
    }
  }
  const weights = (layer: string): NamedArray[] => [...byName.values()].filter((w) => w.name.startsWith(`${layer}/`));
  const network = kerasNetwork(config, weights, file);
  const version = String(topology.keras_version ?? 'tfjs');
  return { network, format: 'tfjs', formatLabel: `TF.js Layers (${version})`, modelConfig: config, shards: shards.paths };
}
