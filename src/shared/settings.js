/**
 * The `tfbsLens.*` settings, typed once. The client reads them from VS Code's configuration and sends
 * them to the server (initializationOptions, then `tfbs/configure` on every change); both sides
 * normalise through `normaliseSettings`, so a hand-edited settings.json with a wrong type or an
 * out-of-range number falls back to the default instead of reaching the scorer.
 *
 * Nothing here imports `vscode`: the server and the tests use it too.
 */
import { COLOUR_RULES, DEFAULT_COLOUR_RULE } from './binColour';
export const DEFAULT_SETTINGS = Object.freeze({
    modelPath: '',
    device: 'cpu',
    threads: 0,
    precision: 'fp32',
    binSize: 0,
    reverseComplement: true,
    threshold: 0.5,
    colourBy: DEFAULT_COLOUR_RULE,
    focusedExperiments: [],
    minReliability: 0.7,
    autoScore: true,
    cacheSizeMB: 256,
    pythonPath: '',
    motifEValue: 0.1,
});
export const SETTINGS_SECTION = 'tfbsLens';
/** Keys of TfbsSettings, for reading VS Code's configuration key by key. */
export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS);
/** Settings whose change means the model must be reloaded (the cache is only valid for one engine). */
export const MODEL_SETTING_KEYS = ['modelPath', 'device', 'threads', 'precision'];
/** Any object → valid settings; each bad or missing field takes its default. */
export function normaliseSettings(raw) {
    const r = (typeof raw === 'object' && raw !== null ? raw : {});
    const d = DEFAULT_SETTINGS;
    const str = (v, dflt) => (typeof v === 'string' ? v.trim() : dflt);
    const bool = (v, dflt) => (typeof v === 'boolean' ? v : dflt);
    const num = (v, dflt, min, max) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : dflt;
    return {
        modelPath: str(r.modelPath, d.modelPath),
        device: r.device === 'cuda' || r.device === 'cpu' ? r.device : d.device,
        threads: Math.floor(num(r.threads, d.threads, 0, 256)),
        precision: r.precision === 'int8' || r.precision === 'fp32' ? r.precision : d.precision,
        binSize: r.binSize === 0 || r.binSize === 50 || r.binSize === 100 || r.binSize === 200 ? r.binSize : d.binSize,
        reverseComplement: bool(r.reverseComplement, d.reverseComplement),
        threshold: num(r.threshold, d.threshold, 0, 1),
        colourBy: COLOUR_RULES.find((rule) => rule === r.colourBy) ?? d.colourBy,
        focusedExperiments: Array.isArray(r.focusedExperiments)
            ? r.focusedExperiments.filter((x) => typeof x === 'string' || typeof x === 'number').map(String)
            : [],
        minReliability: num(r.minReliability, d.minReliability, 0, 1),
        autoScore: bool(r.autoScore, d.autoScore),
        cacheSizeMB: num(r.cacheSizeMB, d.cacheSizeMB, 16, 16384),
        pythonPath: str(r.pythonPath, d.pythonPath),
        motifEValue: num(r.motifEValue, d.motifEValue, 0, 1000),
    };
}
/** Which settings differ between two snapshots. */
export function changedSettings(a, b) {
    return SETTING_KEYS.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
//# sourceMappingURL=settings.js.map