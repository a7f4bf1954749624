/**
 * Open a real run report and a real comparison report in headless Chromium (Debian's `chromium`
 * driven by playwright-core): every chart must be drawn with data (uPlot canvases with non-empty
 * pixels), every misclassified digit drawn, and the page must log no errors. Saves screenshots.
 *
 * Environment: NNLAB_REPORT / NNLAB_COMPARE_REPORT open those report files instead of making new
 * ones; NNLAB_SCREENSHOT_DIR is where report.png and compare.png go (default: a temporary folder).
 * Skips when /usr/bin/chromium is missing (.ci/run installs it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nnlab-browser-'));
const shots = process.env.NNLAB_SCREENSHOT_DIR ?? join(root, 'shots');
let context: BrowserContext | null = null;
after(async () => {
  await context?.close();
  rmSync(root, { recursive: true, force: true });
});

function nnlab(args: string[]): void {
  execFileSync(process.execPath, [MAIN, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
}

async function browser(): Promise<BrowserContext> {
  context ??= await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  return context;
}

interface Rendered {
  done: boolean;
  charts: { id: string; points: number }[];
  digits: number;
  errors: string[];
}

/** Open a report, wait for its script, check every chart and digit, screenshot it. */
async function check(file: string, shot: string): Promise<{ rendered: Rendered; expected: { charts: string[]; digits: number } }> {
  const page = await (await browser()).newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(resolve(file)).href);
  await page.waitForFunction(() => (window as unknown as { nnlabRendered?: Rendered }).nnlabRendered?.done === true, undefined, { timeout: 60_000 });
  const rendered = await page.evaluate(() => (window as unknown as { nnlabRendered: Rendered }).nnlabRendered);
  const expected = await page.evaluate(() => {
    const d = JSON.parse(document.getElementById('nnlab-data')!.textContent!) as { charts: { id: string }[]; test: { misclassified: unknown[] } | null };
    return { charts: d.charts.map((c) => c.id), digits: d.test ? d.test.misclassified.length : 0 };
  });
  // Pixels drawn: every chart's canvas and every digit's canvas has non-blank pixels.
  const inked = await page.evaluate(() => {
    const ink = (c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    };
    const charts = Array.from(document.querySelectorAll<HTMLElement>('[id^="chart-"]')).map((el) => {
      const c = el.querySelector('canvas');
      return { id: el.id.slice(6), ink: c ? ink(c) : -1 };
    });
    const digits = Array.from(document.querySelectorAll<HTMLCanvasElement>('#digits canvas')).map(ink);
    return { charts, digits };
  });
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, shot), fullPage: true });
  await page.close();

  assert.deepEqual(problems, [], 'the page logged no errors or warnings and fetched nothing');
  assert.deepEqual(rendered.errors, []);
  assert.deepEqual(rendered.charts.map((c) => c.id), expected.charts, 'every chart was drawn');
  for (const c of rendered.charts) assert.ok(c.points > 0, `chart ${c.id} has data`);
  assert.deepEqual(inked.charts.map((c) => c.id), expected.charts);
  for (const c of inked.charts) assert.ok(c.ink > 500, `chart ${c.id} has pixels (${c.ink})`);
  assert.equal(rendered.digits, expected.digits);
  assert.equal(inked.digits.length, expected.digits);
  for (const n of inked.digits) assert.ok(n > 0, 'a digit is drawn');
  return { rendered, expected };
}

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test`;

test('a run report renders every chart and digit in headless Chromium', { skip, timeout: 300_000 }, async () => {
  let file = process.env.NNLAB_REPORT;
  if (!file) {
    file = join(root, 'run', 'report.html');
    nnlab(['train', '--train-size', '500', '--validation-size', '1000', '--epochs', '3', '--layers', '784,20,10', '--monitor', 'all', '--quiet', '--out', join(root, 'run')]);
  }
  const { expected } = await check(file, 'report.png');
  assert.deepEqual(expected.charts.slice(0, 3), ['cost', 'accuracy', 'lr']);
  assert.ok(expected.charts.includes('w0') && expected.charts.includes('w1'), 'a weight histogram per layer');
  assert.ok(expected.digits > 0, 'misclassified digits');
});

test('a comparison report renders its overlaid curves in headless Chromium', { skip, timeout: 300_000 }, async () => {
  let file = process.env.NNLAB_COMPARE_REPORT;
  if (!file) {
    file = join(root, 'cmp', 'report.html');
    nnlab(['compare', '--vary', 'lambda=0,5', '--seeds', '2', '--train-size', '300', '--validation-size', '500', '--epochs', '2', '--layers', '784,10,10', '--quiet', '--out', join(root, 'cmp')]);
  }
  const { expected } = await check(file, 'compare.png');
  assert.ok(expected.charts.length >= 2);
});
