/**
 * The training chart webview: the series of src/shared/trainingChartModel.ts — training loss per step
 * (faint) and per epoch, validation loss per epoch (left axis), validation mean ROC AUC per epoch
 * (right axis) — on one canvas with labelled axes and a legend, and a log of stages below.
 */
import { AXIS_LABELS, ChartData, ChartSeries, TRAINING_SERIES, applyTrainerEvent, emptyChart } from '../../src/shared/trainingChartModel';
import type { FromTrainingChart, ToTrainingChart } from '../../src/shared/trainingChartProtocol';

interface VsCodeApi {
  postMessage(message: FromTrainingChart): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const app = document.getElementById('app')!;
const header = document.createElement('div');
header.className = 'header';
const canvas = document.createElement('canvas');
canvas.className = 'chart';
const legendBox = document.createElement('div');
legendBox.className = 'legend';
const logBox = document.createElement('ol');
logBox.className = 'log';
app.append(header, canvas, legendBox, logBox);

let chart: ChartData = emptyChart(1);

/** A legend swatch drawn like its line: thin and faint, or bold; dashed where the line is. */
function swatch(series: ChartSeries): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.className = 'swatch';
  c.width = 24;
  c.height = 8;
  const g = c.getContext('2d')!;
  g.strokeStyle = series.colour;
  g.globalAlpha = series.emphasis === 'faint' ? 0.45 : 1;
  g.lineWidth = series.emphasis === 'faint' ? 1 : 2.5;
  g.setLineDash(series.dash);
  g.beginPath();
  g.moveTo(0, 4);
  g.lineTo(24, 4);
  g.stroke();
  return c;
}

for (const series of TRAINING_SERIES) {
  const item = document.createElement('span');
  item.append(swatch(series), document.createTextNode(series.label));
  legendBox.append(item);
}

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function log(text: string): void {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  logBox.append(li);
  li.scrollIntoView({ block: 'nearest' });
}

let frame: number | undefined;
function requestDraw(): void {
  if (frame === undefined) frame = requestAnimationFrame(() => {
    frame = undefined;
    draw();
  });
}

function draw(): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, canvas.clientWidth);
  const h = Math.max(150, canvas.clientHeight);
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const fg = css('--vscode-foreground', '#888');
  const pad = { l: 64, r: 64, t: 10, b: 34 };
  const pw = w - pad.l - pad.r;
  const ph = h - pad.t - pad.b;
  const { series, epochs } = chart;
  const losses = TRAINING_SERIES.filter((s) => s.axis === 'loss').flatMap((s) => series[s.key].map((p) => p[1]));
  const lo = losses.length ? Math.min(...losses) : 0;
  const hi = losses.length ? Math.max(...losses) : 1;
  const span = hi - lo || 1;
  const y0 = lo - span * 0.05;
  const y1 = hi + span * 0.05;
  const X = (e: number): number => pad.l + (e / Math.max(1, epochs)) * pw;
  const YL = (v: number): number => pad.t + (1 - (v - y0) / (y1 - y0)) * ph;
  const YA = (v: number): number => pad.t + (1 - (v - 0.5) / 0.5) * ph;
  ctx.strokeStyle = fg;
  ctx.fillStyle = fg;
  ctx.globalAlpha = 0.5;
  ctx.strokeRect(pad.l, pad.t, pw, ph);
  ctx.globalAlpha = 1;
  ctx.font = `10px ${css('--vscode-font-family', 'sans-serif')}`;
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= 4; k++) {
    const v = y0 + ((y1 - y0) * k) / 4;
    ctx.textAlign = 'right';
    ctx.fillText(v.toFixed(3), pad.l - 4, YL(v));
    const a = 0.5 + (0.5 * k) / 4;
    ctx.textAlign = 'left';
    ctx.fillText(a.toFixed(2), w - pad.r + 4, YA(a));
  }
  // Axis titles: loss on the left, ROC AUC on the right (both turned), epochs below.
  const axisTitle = (text: string, x: number, turn: number): void => {
    ctx.save();
    ctx.translate(x, pad.t + ph / 2);
    ctx.rotate(turn);
    ctx.textAlign = 'center';
    ctx.fillText(text, 0, 0);
    ctx.restore();
  };
  axisTitle(AXIS_LABELS.loss, 10, -Math.PI / 2);
  axisTitle(AXIS_LABELS.auc, w - 10, Math.PI / 2);
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  const every = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 0; e <= epochs; e += every) ctx.fillText(String(e), X(e), h - pad.b + 4);
  ctx.fillText(AXIS_LABELS.x, pad.l + pw / 2, h - 14);
  ctx.textAlign = 'left';
  for (const s of TRAINING_SERIES) {
    const pts = series[s.key];
    if (!pts.length) continue;
    const Y = s.axis === 'loss' ? YL : YA;
    ctx.strokeStyle = s.colour;
    ctx.fillStyle = s.colour;
    ctx.globalAlpha = s.emphasis === 'faint' ? 0.45 : 1;
    ctx.lineWidth = s.emphasis === 'faint' ? 1 : 2.5;
    ctx.setLineDash(s.dash);
    ctx.beginPath();
    pts.forEach(([x, v], i) => (i ? ctx.lineTo(X(x), Y(v)) : ctx.moveTo(X(x), Y(v))));
    ctx.stroke();
    ctx.setLineDash([]);
    if (s.emphasis === 'bold') for (const [x, v] of pts) ctx.fillRect(X(x) - 3, Y(v) - 3, 6, 6);
    ctx.globalAlpha = 1;
  }
  if (chart.bestEpoch !== undefined) {
    ctx.strokeStyle = fg;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(X(chart.bestEpoch), pad.t);
    ctx.lineTo(X(chart.bestEpoch), pad.t + ph);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

window.addEventListener('message', (event: MessageEvent<ToTrainingChart>) => {
  const m = event.data;
  if (m.type === 'reset') {
    chart = emptyChart(m.epochs);
    logBox.textContent = '';
    header.textContent = `Training "${m.preset}" → ${m.out}`;
  } else if (m.type === 'log') {
    log(m.text);
  } else {
    const e = m.event;
    applyTrainerEvent(chart, e);
    if (e.type === 'start') {
      log(`${e.parameters.toLocaleString()} parameters · ${e.train.toLocaleString()} training / ${e.valid.toLocaleString()} validation windows · ${e.device} · torch ${e.torch}${e.resumedFromEpoch ? ` · resumed after epoch ${e.resumedFromEpoch}` : ''}`);
    } else if (e.type === 'epoch') {
      log(`epoch ${e.epoch}: training loss ${e.loss?.toFixed(4) ?? '–'}, validation loss ${e.valLoss?.toFixed(4) ?? '–'}, validation mean ROC AUC ${e.valRocAuc?.toFixed(3) ?? '–'}${e.best ? ' (best so far)' : ''}${e.earlyStop ? ' — early stop' : ''}`);
    } else if (e.type === 'error') {
      log(`error: ${e.message}`);
    }
  }
  requestDraw();
});

new ResizeObserver(() => requestDraw()).observe(canvas);
vscode.postMessage({ type: 'ready' });
