export const HEATMAP_VIEW_TYPE = 'tfbsLens.heatmap';
export const DEFAULT_HEATMAP_STATE = { order: 'model', filter: '' };
/** The strip message of a complete explanation. */
export function attributionMessage(r) {
    return {
        type: 'attribution',
        attribution: { uri: r.uri, version: r.version, record: r.record, bins: r.bins, start: r.start, experiments: r.experiments, mean: r.attribution, byExperiment: r.byExperiment, scale: r.scale },
    };
}
/** A short signature of a target list: count and a hash of the names. */
export function targetsSignature(names) {
    let h = 0x811c9dc5;
    for (const n of names) {
        for (let i = 0; i < n.length; i++)
            h = Math.imul(h ^ n.charCodeAt(i), 16777619);
        h = Math.imul(h ^ 0x7c, 16777619);
    }
    return `${names.length}:${(h >>> 0).toString(36)}`;
}
//# sourceMappingURL=heatmapProtocol.js.map