/**
 * The heatmap webview: experiments (rows) × columns on a canvas, the columns being the bins of one
 * record or, for a file of many records (peaks, oligos), its records — each scored in its centred
 * window as `tfbs score --per-record` does. Rows can be ordered by model output, grouped by factor or
 * by cell type, sorted by their strongest cell or by how well they are measured to work (held-out ROC
 * AUC), filtered by name and, on request, to the outputs above the reliability floor. Each row carries
 * its reliability grade; rows below the floor are dimmed (the editor does not colour them).
 *
 * One concept per module: state.ts (the one state object), dom.ts (elements), rows.ts (filter and
 * order), image.ts (one pixel per cell), axes.ts (labels, axis, legend), render.ts (frames, title),
 * interaction.ts (mouse, keys, toolbar), export.ts (PNG/TSV), rpc.ts (messages from the extension).
 *
 * Bundled by webpack (media/heatmap/tsconfig.json: DOM types) into dist/webview/heatmap.js; loaded under
 * a strict CSP (nonce script, no inline styles in markup, no remote resources).
 */
import { drawLegend } from './axes';
import { showEmpty } from './dom';
import { attachExport } from './export';
import { attachInteraction, updateHint } from './interaction';
import { attachMeasured } from './measured';
import { attachRpc } from './rpc';
import { post } from './state';

attachInteraction();
attachExport();
attachRpc();
attachMeasured();
updateHint();
drawLegend();
showEmpty('Loading…');
post({ type: 'ready' });
