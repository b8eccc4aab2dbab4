/**
 * "Focus on factor…": a single-select picker, so Enter takes the highlighted row (typing `CTCF` and
 * pressing Enter focuses CTCF), with "All experiments" to clear the focus and "Several…" for a
 * multi-select of factors and experiments. The focus is saved where `settingsTarget` says (user
 * settings unless the user opened a workspace file or set the focus there), never as a new file in
 * the data folder.
 */
import * as vscode from 'vscode';
import { ExperimentsRequest, ExperimentsResult } from '../shared/protocol';
import { updateSetting } from './config';
import { Ctx } from './ctx';

interface FocusItem extends vscode.QuickPickItem {
  value?: string;
  all?: boolean;
  several?: boolean;
}

/** The focus in a few words for the status bar: "CTCF", "CTCF, #12 +3"; '' when all experiments are focused. */
export function describeFocus(values: readonly string[]): string {
  if (!values.length) return '';
  const shown = values.slice(0, 2).map((v) => (/^\d+$/.test(v) ? `#${v}` : v));
  return `${shown.join(', ')}${values.length > 2 ? ` +${values.length - 2}` : ''}`;
}

function focused(on: boolean): string {
  return on ? ' · focused' : '';
}

/** Factors first (one row each, with their experiment count), then every experiment. */
function focusRows(info: ExperimentsResult, current: Set<string>): FocusItem[] {
  const factors = new Map<string, { count: number; reliable: number; cells: Set<string> }>();
  for (const e of info.experiments) {
    const f = factors.get(e.factor) ?? { count: 0, reliable: 0, cells: new Set<string>() };
    f.count++;
    if (e.reliability?.passes !== false) f.reliable++;
    if (e.cell) f.cells.add(e.cell);
    factors.set(e.factor, f);
  }
  const nameCounts = new Map<string, number>();
  for (const e of info.experiments) nameCounts.set(e.name, (nameCounts.get(e.name) ?? 0) + 1);
  return [
    { label: 'Factors', kind: vscode.QuickPickItemKind.Separator },
    ...[...factors.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([factor, f]): FocusItem => ({
        label: factor,
        // A focus on outputs below the reliability floor colours nothing: say so before it is picked.
        description: `${f.count} experiment${f.count === 1 ? '' : 's'}${f.reliable < f.count ? ` · ${f.reliable ? f.reliable : 'none'} above the reliability floor` : ''}${focused(current.has(factor.toLowerCase()))}`,
        detail: f.cells.size ? `in ${[...f.cells].slice(0, 8).join(', ')}${f.cells.size > 8 ? ', …' : ''}` : undefined,
        value: factor,
        picked: current.has(factor.toLowerCase()),
      })),
    { label: 'Experiments', kind: vscode.QuickPickItemKind.Separator },
    ...info.experiments.map((e): FocusItem => {
      const on = current.has(String(e.index)) || current.has(e.name.toLowerCase());
      return {
        label: `${e.factor} · ${e.cell || '–'}`,
        description: `${e.treatment}${(nameCounts.get(e.name) ?? 0) > 1 ? ' (repeat)' : ''} · #${e.index}${e.reliability ? ` · ${e.reliability.grade}${e.reliability.passes ? '' : ' (below the reliability floor)'}` : ''}${focused(on)}`,
        value: String(e.index),
        picked: on,
      };
    }),
  ];
}

export async function pickFocus(ctx: Ctx): Promise<void> {
  const client = await ctx.ready();
  const info = await client.sendRequest(ExperimentsRequest);
  if (!info.experiments.length) throw new Error(`no model is loaded${ctx.modelStatus.message ? `: ${ctx.modelStatus.message}` : ''}`);
  const current = new Set(ctx.settings.focusedExperiments.map((x) => x.toLowerCase()));
  const rows = focusRows(info, current);
  const title = `Focus colours and hovers on a factor or experiment (model ${info.modelName ?? ''})`;
  const picked = await vscode.window.showQuickPick<FocusItem>(
    [
      { label: '$(check-all) All experiments', description: `${info.experiments.length} (clears the focus)${focused(!current.size)}`, all: true },
      { label: '$(checklist) Several…', description: 'tick several factors or experiments', several: true },
      ...rows.map((r) => ({ ...r, picked: undefined })),
    ],
    { matchOnDescription: true, matchOnDetail: false, title, placeHolder: 'Type a factor (CTCF), a cell type (K562) or an output index, then Enter' },
  );
  if (!picked) return;
  let values: string[];
  if (picked.all) values = [];
  else if (picked.several) {
    const ticked = await vscode.window.showQuickPick<FocusItem>(rows, {
      canPickMany: true,
      matchOnDescription: true,
      matchOnDetail: false,
      title,
      placeHolder: 'Space ticks a row, Enter applies; with nothing ticked the focus stays as it is',
    });
    if (!ticked) return;
    values = ticked.filter((p) => p.value !== undefined).map((p) => p.value!);
    if (!values.length) {
      void vscode.window.setStatusBarMessage('TFBS Lens: nothing ticked, the focus is unchanged', 4000);
      return;
    }
  } else if (picked.value !== undefined) values = [picked.value];
  else return;
  const where = await updateSetting('focusedExperiments', values.length ? values : undefined);
  void vscode.window.setStatusBarMessage(`TFBS Lens: focus on ${describeFocus(values) || 'all experiments'} (saved in ${where})`, 4000);
}
