export const EXPLAIN_VIEW_TYPE = 'tfbsLens.explain';
//# sourceMappingURL=explainPanelProtocol.js.map