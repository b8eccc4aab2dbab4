export {};
//# sourceMappingURL=trainingChartProtocol.js.map