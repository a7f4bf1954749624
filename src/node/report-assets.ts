import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReportAssets } from '../report/html.js';

let cached: ReportAssets | null = null;

/**
 * The chart library that reports inline: uPlot's minified browser build and stylesheet, read from
 * the installed npm package `uplot` (pinned in package.json), so a report opens with no network.
 */
export function reportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('uplot/package.json')), 'dist');
  cached = {
    uplotJs: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
  return cached;
}
