/**
 * The trainer's progress events as python/tfbs_train.py writes them (one JSON object per line on
 * stdout, camelCase). Shared because the training chart webview draws them; parsing lives in
 * src/training/events.ts.
 */
export {};
//# sourceMappingURL=trainerEvents.js.map