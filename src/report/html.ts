/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe to embed inside a <script> element (no `</script>`, no U+2028/2029 surprises). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Round to `digits` significant digits, so that reports stay small. null and non-finite → null. */
export function round(v: number | null | undefined, digits = 5): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  if (v === 0) return 0;
  return Number(v.toPrecision(digits));
}

/** The chart library a report inlines: uPlot's minified script and stylesheet, as text. */
export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
}

/** The page around a report's body: inlined styles, uPlot, the data and the drawing script. */
export function page(title: string, body: string, data: unknown, assets: ReportAssets, clientJs: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${assets.uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="nnlab-data">${scriptJson(data)}</script>
<script>${assets.uplotJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${clientJs}</script>
</body>
</html>
`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 16px 24px 48px; max-width: 1400px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #666; margin: 0 0 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.chart { border: 1px solid #e4e4e4; border-radius: 6px; padding: 8px; background: #fff; }
.chart h3 { font-size: 14px; margin: 0 0 4px; font-weight: 600; }
.chart .note { font-size: 12px; color: #666; margin: 2px 0 0; max-width: 600px; }
table.nums { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.nums td, table.nums th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
table.nums th { text-align: left; font-weight: 600; }
table.nums td.l { text-align: left; }
table.confusion { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
table.confusion td, table.confusion th { width: 42px; height: 26px; text-align: center; border: 1px solid #fff; }
table.confusion th { background: #f4f4f4; font-weight: 600; }
.digits { display: flex; flex-wrap: wrap; gap: 6px; }
.digit { text-align: center; font-size: 12px; }
.digit canvas { display: block; border: 1px solid #ccc; image-rendering: pixelated; }
.digit .tp b { color: #b00; }
pre.config { background: #f7f7f7; padding: 10px; border-radius: 6px; font-size: 12px; overflow: auto; max-height: 480px; }
.seed { font-size: 15px; }
.u-legend { font-size: 12px; }
`;
