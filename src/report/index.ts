/** Reports of recorded runs: pure functions from run records to HTML and text (no Node modules). */
export * from './run-record.js';
export * from './chart-spec.js';
export { analyzeTestSet, histogram, weightHistograms } from './analysis.js';
export { toBase64, fromBase64 } from './base64.js';
export { textChart, type TextChartOptions } from './text-chart.js';
export { endOfRunChart } from './summary.js';
export { runReportHtml, runCharts, confusionTable, seriesOf } from './run-report.js';
export { comparisonReportHtml, overlayChart, versusChart, summaryTable, textTable, meanSd, type ComparisonInput, type ComparedGroup, type ComparedRun } from './compare-report.js';
export { escapeHtml, type ReportAssets } from './html.js';
