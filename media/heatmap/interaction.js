import { MATRIX_MISSING, MATRIX_SCALE } from '../../src/shared/matrix';
import { binCoordinates, formatBp, recordPlace } from './axes';
import { el, ui } from './dom';
import { rebuildImage } from './image';
import { clampView, requestDraw } from './render';
import { computeRows } from './rows';
import { S, columnCount, post, saveState } from './state';
function cellAt(clientX, clientY) {
    const rect = ui.heat.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    if (x < 0 || y < 0 || x >= rect.width || y >= rect.height)
        return undefined;
    const { view } = S;
    const col = Math.floor(view.x0 + (x / rect.width) * (view.x1 - view.x0));
    const row = Math.floor(view.y0 + (y / rect.height) * (view.y1 - view.y0));
    if (col < 0 || col >= columnCount() || row < 0 || row >= S.rows.length)
        return undefined;
    return { col, row };
}
function zoomAt(fx, fy, factorX, factorY) {
    const { view } = S;
    const cx = view.x0 + fx * (view.x1 - view.x0);
    const cy = view.y0 + fy * (view.y1 - view.y0);
    const w = (view.x1 - view.x0) * factorX;
    const h = (view.y1 - view.y0) * factorY;
    S.view = { x0: cx - fx * w, x1: cx - fx * w + w, y0: cy - fy * h, y1: cy - fy * h + h };
    clampView();
    saveState();
    requestDraw();
}
function fit() {
    S.view = { x0: 0, x1: Math.max(1, columnCount()), y0: 0, y1: Math.max(1, S.rows.length) };
    saveState();
    requestDraw();
}
function fitRows() {
    S.view = { ...S.view, y0: 0, y1: Math.max(1, S.rows.length) };
    clampView();
}
/** Rows changed (order, filter, reliable only): recompute, repaint, show them all. */
function rowsChanged() {
    computeRows();
    rebuildImage();
    fitRows();
    saveState();
    requestDraw();
}
/** The hint line under the matrix: what the mouse does in this view. */
export function updateHint() {
    ui.hint.textContent = S.mode === 'records'
        ? 'Wheel: zoom records · Shift+wheel: zoom experiments · Drag: pan · Click: the record\'s bins'
        : 'Wheel: zoom bins · Shift+wheel: zoom experiments · Drag: pan · Click: go to bin';
    ui.recordsButton.style.display = S.mode === 'bins' && S.totalRecords > 1 ? '' : 'none';
}
function showTooltip(e, cell) {
    const { tooltip } = ui;
    if (!cell) {
        tooltip.style.display = 'none';
        return;
    }
    const E = S.experiments.length;
    const exp = S.experiments[S.rows[cell.row]];
    const v = S.matrix[cell.col * E + S.rows[cell.row]];
    const p = v === MATRIX_MISSING || v === undefined ? 'not scored yet' : `p = ${(v / MATRIX_SCALE).toFixed(3)}`;
    tooltip.textContent = '';
    tooltip.append(el('div', { class: 'tt-title' }, exp ? `${exp.factor} · ${exp.cell || '–'} · ${exp.treatment} (#${exp.index})` : ''));
    if (S.mode === 'records') {
        const r = S.recordColumns[cell.col];
        tooltip.append(el('div', {}, `record ${r.uniqueName} · ${recordPlace(r)}`));
    }
    else {
        const bin = S.fromBin + cell.col;
        tooltip.append(el('div', {}, `bin ${formatBp(bin + 1)} · ${binCoordinates(bin)}`));
    }
    tooltip.append(el('div', { class: 'tt-p' }, p));
    if (exp?.reliability) {
        const r = exp.reliability;
        tooltip.append(el('div', { class: r.passes ? 'tt-rel' : 'tt-rel below' }, `reliability ${r.grade}: ${r.detail}${r.passes ? '' : ' — below the floor: not coloured in the editor'}`));
    }
    tooltip.style.display = 'block';
    const pad = 14;
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    const x = e.clientX + pad + tw > window.innerWidth ? e.clientX - pad - tw : e.clientX + pad;
    const y = e.clientY + pad + th > window.innerHeight ? e.clientY - pad - th : e.clientY + pad;
    tooltip.style.left = `${Math.max(0, x)}px`;
    tooltip.style.top = `${Math.max(0, y)}px`;
}
export function attachInteraction() {
    const { heat } = ui;
    heat.addEventListener('wheel', (e) => {
        e.preventDefault();
        const rect = heat.getBoundingClientRect();
        const factor = Math.exp(Math.sign(e.deltaY) * Math.min(Math.abs(e.deltaY), 100) * 0.0025);
        const fx = (e.clientX - rect.left) / rect.width;
        const fy = (e.clientY - rect.top) / rect.height;
        if (e.shiftKey)
            zoomAt(fx, fy, 1, factor);
        else
            zoomAt(fx, fy, factor, 1);
    }, { passive: false });
    let drag;
    heat.addEventListener('mousedown', (e) => {
        drag = { x: e.clientX, y: e.clientY, view: { ...S.view }, moved: false };
    });
    window.addEventListener('mousemove', (e) => {
        if (drag) {
            const dx = e.clientX - drag.x;
            const dy = e.clientY - drag.y;
            if (Math.abs(dx) + Math.abs(dy) > 3)
                drag.moved = true;
            if (drag.moved) {
                const rect = heat.getBoundingClientRect();
                const bx = (dx / rect.width) * (drag.view.x1 - drag.view.x0);
                const by = (dy / rect.height) * (drag.view.y1 - drag.view.y0);
                S.view = { x0: drag.view.x0 - bx, x1: drag.view.x1 - bx, y0: drag.view.y0 - by, y1: drag.view.y1 - by };
                clampView();
                requestDraw();
            }
        }
        showTooltip(e, drag?.moved ? undefined : cellAt(e.clientX, e.clientY));
    });
    window.addEventListener('mouseup', (e) => {
        if (!drag)
            return;
        const wasDrag = drag.moved;
        drag = undefined;
        if (wasDrag) {
            saveState();
            return;
        }
        const cell = cellAt(e.clientX, e.clientY);
        if (!cell)
            return;
        S.persisted = { ...S.persisted, selectedExperiment: S.rows[cell.row] };
        saveState();
        requestDraw();
        if (S.mode === 'records')
            post({ type: 'showRecord', record: S.recordColumns[cell.col].record });
        else
            post({ type: 'reveal', bin: S.fromBin + cell.col });
    });
    heat.addEventListener('dblclick', () => fit());
    heat.addEventListener('mouseleave', () => (ui.tooltip.style.display = 'none'));
    heat.addEventListener('keydown', (e) => {
        const w = S.view.x1 - S.view.x0;
        const h = S.view.y1 - S.view.y0;
        const pan = (dx, dy) => {
            const v = S.view;
            S.view = { x0: v.x0 + dx, x1: v.x1 + dx, y0: v.y0 + dy, y1: v.y1 + dy };
            clampView();
            saveState();
            requestDraw();
        };
        switch (e.key) {
            case '+':
            case '=':
                zoomAt(0.5, 0.5, 0.8, 1);
                break;
            case '-':
                zoomAt(0.5, 0.5, 1.25, 1);
                break;
            case '0':
                fit();
                break;
            case 'ArrowLeft':
                pan(-w * 0.1, 0);
                break;
            case 'ArrowRight':
                pan(w * 0.1, 0);
                break;
            case 'ArrowUp':
                pan(0, -h * 0.1);
                break;
            case 'ArrowDown':
                pan(0, h * 0.1);
                break;
            default:
                return;
        }
        e.preventDefault();
    });
    ui.orderSelect.addEventListener('change', () => {
        S.persisted = { ...S.persisted, order: ui.orderSelect.value };
        rowsChanged();
    });
    ui.reliableBox.addEventListener('change', () => {
        S.persisted = { ...S.persisted, reliableOnly: ui.reliableBox.checked };
        rowsChanged();
    });
    let filterTimer;
    ui.filterInput.addEventListener('input', () => {
        window.clearTimeout(filterTimer);
        filterTimer = window.setTimeout(() => {
            S.persisted = { ...S.persisted, filter: ui.filterInput.value };
            rowsChanged();
        }, 120);
    });
    ui.zoomIn.addEventListener('click', () => zoomAt(0.5, 0.5, 0.7, 1));
    ui.zoomOut.addEventListener('click', () => zoomAt(0.5, 0.5, 1 / 0.7, 1));
    ui.fitButton.addEventListener('click', () => fit());
    ui.recordsButton.addEventListener('click', () => post({ type: 'showRecords' }));
    new ResizeObserver(() => requestDraw()).observe(ui.plot);
}
//# sourceMappingURL=interaction.js.map