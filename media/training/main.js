const vscode = acquireVsCodeApi();
const app = document.getElementById('app');
const header = document.createElement('div');
header.className = 'header';
const canvas = document.createElement('canvas');
canvas.className = 'chart';
const legendBox = document.createElement('div');
legendBox.className = 'legend';
const logBox = document.createElement('ol');
logBox.className = 'log';
app.append(header, canvas, legendBox, logBox);
let epochs = 1;
let stepLoss = [];
let valLoss = [];
let valAuc = [];
let best;
// Okabe–Ito colours: distinguishable with colour blindness, readable on light and dark themes.
const COLORS = { train: '#0072B2', val: '#E69F00', auc: '#009E73' };
for (const [key, label] of [['train', 'training loss'], ['val', 'validation loss'], ['auc', 'validation ROC AUC (right axis)']]) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = COLORS[key];
    item.append(swatch, document.createTextNode(label));
    legendBox.append(item);
}
function css(name, fallback) {
    return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
function log(text) {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
    logBox.append(li);
    li.scrollIntoView({ block: 'nearest' });
}
let frame;
function requestDraw() {
    if (frame === undefined)
        frame = requestAnimationFrame(() => {
            frame = undefined;
            draw();
        });
}
function draw() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(200, canvas.clientWidth);
    const h = Math.max(150, canvas.clientHeight);
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const fg = css('--vscode-foreground', '#888');
    const pad = { l: 48, r: 48, t: 10, b: 28 };
    const pw = w - pad.l - pad.r;
    const ph = h - pad.t - pad.b;
    const losses = [...stepLoss, ...valLoss].map((p) => p[1]);
    const lo = losses.length ? Math.min(...losses) : 0;
    const hi = losses.length ? Math.max(...losses) : 1;
    const span = hi - lo || 1;
    const y0 = lo - span * 0.05;
    const y1 = hi + span * 0.05;
    const X = (e) => pad.l + (e / Math.max(1, epochs)) * pw;
    const YL = (v) => pad.t + (1 - (v - y0) / (y1 - y0)) * ph;
    const YA = (v) => pad.t + (1 - (v - 0.5) / 0.5) * ph;
    ctx.strokeStyle = fg;
    ctx.fillStyle = fg;
    ctx.globalAlpha = 0.5;
    ctx.strokeRect(pad.l, pad.t, pw, ph);
    ctx.globalAlpha = 1;
    ctx.font = `10px ${css('--vscode-font-family', 'sans-serif')}`;
    ctx.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
        const v = y0 + ((y1 - y0) * k) / 4;
        ctx.fillText(v.toFixed(3), 4, YL(v));
        const a = 0.5 + (0.5 * k) / 4;
        ctx.fillText(a.toFixed(2), w - pad.r + 6, YA(a));
    }
    ctx.textBaseline = 'top';
    const every = Math.max(1, Math.ceil(epochs / 10));
    for (let e = 0; e <= epochs; e += every)
        ctx.fillText(String(e), X(e) - 3, h - pad.b + 6);
    ctx.fillText('epoch', pad.l + pw / 2 - 12, h - 12);
    const line = (pts, color, Y, dots) => {
        if (!pts.length)
            return;
        ctx.strokeStyle = color;
        ctx.fillStyle = color;
        ctx.lineWidth = 2;
        ctx.beginPath();
        pts.forEach(([x, v], i) => (i ? ctx.lineTo(X(x), Y(v)) : ctx.moveTo(X(x), Y(v))));
        ctx.stroke();
        if (dots)
            for (const [x, v] of pts)
                ctx.fillRect(X(x) - 2.5, Y(v) - 2.5, 5, 5);
    };
    line(stepLoss, COLORS.train, YL, false);
    line(valLoss, COLORS.val, YL, true);
    line(valAuc, COLORS.auc, YA, true);
    if (best !== undefined) {
        ctx.strokeStyle = fg;
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(X(best), pad.t);
        ctx.lineTo(X(best), pad.t + ph);
        ctx.stroke();
        ctx.setLineDash([]);
    }
}
window.addEventListener('message', (event) => {
    const m = event.data;
    if (m.type === 'reset') {
        epochs = m.epochs;
        stepLoss = [];
        valLoss = [];
        valAuc = [];
        best = undefined;
        logBox.textContent = '';
        header.textContent = `Training "${m.preset}" → ${m.out}`;
    }
    else if (m.type === 'log') {
        log(m.text);
    }
    else {
        const e = m.event;
        if (e.type === 'start') {
            epochs = e.epochs;
            log(`${e.parameters.toLocaleString()} parameters · ${e.train.toLocaleString()} training / ${e.valid.toLocaleString()} validation windows · ${e.device} · torch ${e.torch}${e.resumedFromEpoch ? ` · resumed after epoch ${e.resumedFromEpoch}` : ''}`);
        }
        else if (e.type === 'step' && e.loss != null) {
            stepLoss.push([e.epoch - 1 + e.step / Math.max(1, e.steps), e.loss]);
        }
        else if (e.type === 'epoch') {
            if (e.valLoss != null)
                valLoss.push([e.epoch, e.valLoss]);
            if (e.valRocAuc != null)
                valAuc.push([e.epoch, e.valRocAuc]);
            best = e.bestEpoch;
            log(`epoch ${e.epoch}: loss ${e.loss?.toFixed(4) ?? '–'}, val loss ${e.valLoss?.toFixed(4) ?? '–'}, val ROC AUC ${e.valRocAuc?.toFixed(3) ?? '–'}${e.best ? ' (best so far)' : ''}${e.earlyStop ? ' — early stop' : ''}`);
        }
        else if (e.type === 'error') {
            log(`error: ${e.message}`);
        }
    }
    requestDraw();
});
new ResizeObserver(() => requestDraw()).observe(canvas);
vscode.postMessage({ type: 'ready' });
export {};
//# sourceMappingURL=main.js.map