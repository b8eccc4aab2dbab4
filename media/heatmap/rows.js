/**
 * The rows: which experiments are shown (filter, "Reliable only") and in what order (model output,
 * grouped by factor or cell type, strongest first, most reliable first). The same in both views: a
 * row is an experiment whether the columns are bins or records.
 */
import { MATRIX_MISSING } from '../../src/shared/matrix';
import { ui } from './dom';
import { S, columnCount } from './state';
/** The experiment's strongest cell over the columns held, in matrix units (-1: none scored). */
function rowMax(e) {
    const E = S.experiments.length;
    const n = columnCount();
    let best = -1;
    for (let j = 0; j < n; j++) {
        const v = S.matrix[j * E + e];
        if (v !== MATRIX_MISSING && v > best)
            best = v;
    }
    return best;
}
/** Below the floor: the editor leaves it out of colours and navigation; here it is dimmed. */
export function belowFloor(x) {
    return Boolean(x?.reliability && !x.reliability.passes);
}
export function rowLabel(e) {
    const x = S.experiments[e];
    if (!x)
        return `#${e}`;
    const treat = x.treatment && x.treatment !== 'None' ? ` · ${x.treatment}` : '';
    return `${x.factor} · ${x.cell || '–'}${treat}`;
}
export function computeRows() {
    const { filter, order, reliableOnly } = S.persisted;
    const needle = filter.trim().toLowerCase();
    const terms = needle ? needle.split(/\s+/) : [];
    const keep = S.experiments.filter((x) => {
        if (reliableOnly && belowFloor(x))
            return false;
        if (!terms.length)
            return true;
        const hay = `${x.cell} ${x.factor} ${x.treatment} ${x.name} #${x.index}`.toLowerCase();
        return terms.every((t) => hay.includes(t));
    });
    const groups = [];
    if (order === 'factor' || order === 'cell') {
        const key = (x) => (order === 'factor' ? x.factor : x.cell || '(none)');
        keep.sort((a, b) => key(a).localeCompare(key(b)) || a.index - b.index);
        keep.forEach((x, i) => {
            const k = key(x);
            const last = groups[groups.length - 1];
            if (last && last.label === k)
                last.end = i + 1;
            else
                groups.push({ label: k, start: i, end: i + 1 });
        });
    }
    else if (order === 'max') {
        const maxima = new Map(keep.map((x) => [x.index, rowMax(x.index)]));
        keep.sort((a, b) => maxima.get(b.index) - maxima.get(a.index) || a.index - b.index);
    }
    else if (order === 'reliability') {
        // By the 95 % lower bound of the held-out ROC AUC: an AUC of 0.99 on 5 positives is known less
        // well than 0.97 on 200. Unmeasured outputs last: no number is not a low number.
        const low = (x) => x.reliability?.ci95?.[0] ?? -1;
        const auc = (x) => x.reliability?.rocAuc ?? -1;
        keep.sort((a, b) => low(b) - low(a) || auc(b) - auc(a) || a.index - b.index);
    }
    S.groups = groups;
    S.rows = keep.map((x) => x.index);
    const below = S.experiments.filter(belowFloor).length;
    const floor = below ? ` · ${below} below the reliability floor (${S.minReliability ?? 0.7})${reliableOnly ? ', hidden' : ', dimmed'}` : '';
    const unmeasured = S.experiments.length && !S.reliabilityMeasured ? ' · reliability unmeasured' : '';
    ui.countLabel.textContent = `${S.rows.length} of ${S.experiments.length} experiments${floor}${unmeasured}`;
}
//# sourceMappingURL=rows.js.map