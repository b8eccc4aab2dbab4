// What the extension's activate() returns for tests (src/client/api.ts is the source of truth: the
// VS Code API has no getter for decorations nor for the language server's state).
import type { TfbsLensApi } from '../../../src/client/api';

export type TfbsLensTestApi = TfbsLensApi;

export const EXTENSION_ID = 'tfbs-lens.tfbs-lens';

const MEMBERS: (keyof TfbsLensApi)[] = ['whenIdle', 'modelStatus', 'decorations', 'decorationsEnabled', 'heatmap', 'stats', 'serverCrashes', 'activationMs'];

export function checkApi(api: unknown): TfbsLensTestApi {
  const missing = MEMBERS.filter((m) => typeof (api as Record<string, unknown> | undefined)?.[m] !== 'function');
  if (missing.length) throw new Error(`the extension's activate() result lacks ${missing.join(', ')} (src/client/api.ts)`);
  return api as TfbsLensTestApi;
}
