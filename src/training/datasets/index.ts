/**
 * Training data: every source (encoded arrays, a genome with peak files, text files) becomes one
 * prepared-dataset directory (see ./types for the contract), written whole or not at all.
 */
import { prepareGenome } from './genomeSource';
import { prepareDeepseaMat } from './matSource';
import { prepareNumpy } from './numpySource';
import { prepareText } from './textSource';
import { DataSpec, DatasetInfo, PrepareOptions } from './types';

export * from './types';
export { readPreparedDataset, validateDatasetManifest, availableSplits, openSplit } from './prepared';
export { contiguousLayout, describeLayout } from './numpySource';
export { mergeIntervals } from '../../core/genomic';
export { DEFAULT_VALID_CHROMS, DEFAULT_TEST_CHROMS, DEFAULT_EMPTY_RATIO } from './genomeSource';
export { reverseComplementRow } from './writer';
export { DEEPSEA_FEATURES, DEEPSEA_TF_COUNT, DEEPSEA_TF_FIRST, deepseaFeatureNames, deepseaMatPaths } from './matSource';

export async function prepareDataset(spec: DataSpec, outDir: string, opts: PrepareOptions = {}): Promise<DatasetInfo> {
  switch (spec.kind) {
    case 'numpy':
      return prepareNumpy(spec, outDir, opts);
    case 'genome':
      return prepareGenome(spec, outDir, opts);
    case 'text':
      return prepareText(spec, outDir, opts);
    case 'deepsea-mat':
      return prepareDeepseaMat(spec, outDir, opts);
  }
}
