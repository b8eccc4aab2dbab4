/** `--region` as every command reads it (score, variants): one parser, one refusal. */
import { UsageError } from '../core/errors';
import { REGION_SYNTAX, TypedRegion, parseRegionList } from '../core/genomic';
import { listOption } from './args';
import { ParsedArgs } from './command';

/** The regions of every `--region` value, 0-based half-open with the text each was typed as; undefined without the option. */
export function regionOption(args: ParsedArgs): TypedRegion[] | undefined {
  if (args.options.region === undefined) return undefined;
  const { regions, malformed } = parseRegionList(listOption(args, 'region'));
  if (malformed !== undefined) throw new UsageError(`--region "${malformed}" is not ${REGION_SYNTAX}; separate regions with ";" or spaces, or repeat --region`);
  if (!regions.length) throw new UsageError('--region lists no region');
  return regions;
}
