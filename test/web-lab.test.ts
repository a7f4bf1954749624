/**
 * The browser lab: the static server's routes and headers, then a real training run in headless
 * Chromium (skipped, with a message, when /usr/bin/chromium is absent).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { labPaths, startLabServer } from '../src/cli/commands/serve.js';
import { decodeModel } from '../src/network/model-file.js';
import { referenceKernels } from '../src/kernels/reference.js';
import { loadSplits } from '../src/node/data.js';
import { resolveConfig } from '../src/train/resolve.js';
import { train, type RunResult } from '../src/train/trainer.js';

const CHROMIUM = '/usr/bin/chromium';
const EPOCHS = 6;
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Wait until the lab's training is done or has failed. */
function trainingEnded(page: Page, timeout: number): Promise<unknown> {
  return page.waitForFunction(
    () => {
      const s = (window as unknown as { nnlabLab: { state: string } }).nnlabLab.state;
      return s === 'done' || s === 'error';
    },
    undefined,
    { timeout, polling: 200 },
  );
}

/** A raw GET (no URL normalization by a client), for the path-traversal checks. */
function get(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('nnlab serve', () => {
  let server: Server;
  let url: string;
  before(async () => {
    ({ server, url } = await startLabServer({ port: 0, host: '127.0.0.1' }));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('serves the page, the compiled modules, uPlot and MNIST with the right types and isolation headers', async () => {
    const page = await get(url, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body.toString(), /<script type="module" src="\/web\/lab.js">/);
    assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');

    for (const path of ['/web/lab.js', '/web/worker.js', '/src/index.js', '/vendor/uPlot.iife.min.js']) {
      const r = await get(url, path);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers['content-type']), /^application\/javascript/, path);
      assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp', path);
    }
    const css = await get(url, '/vendor/uPlot.min.css');
    assert.match(String(css.headers['content-type']), /^text\/css/);

    const labels = await get(url, '/data/t10k-labels-idx1-ubyte');
    assert.equal(labels.status, 200);
    assert.equal(labels.body.length, 10008);
    assert.deepEqual([...labels.body.subarray(0, 4)], [0, 0, 8, 1], 'an IDX labels file');
    const head = await get(url, '/data/train-images-idx3-ubyte', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), statSync(join(labPaths().data, 'train-images-idx3-ubyte')).size);
    assert.equal(head.body.length, 0);
    assert.equal((await get(url, '/', 'POST')).status, 405);
  });

  test('serves nothing outside its folders', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/web/..%2f..%2fpackage.json',
      '/src/../../tsconfig.json',
      '/..%5c..%5cpackage.json',
      '/web/lab.js%00.png',
      '/vendor/package.json',
      '/vendor/../../package.json',
      '/data/../package.json',
      '/data/secret',
      '/src/cli', // a folder
      '/nope.js',
      '/%E0%A4%A',
    ]) {
      const r = await get(url, path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body.toString(), /"name": "nnlab"/, path);
    }
  });
});

describe('the browser lab in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install -y chromium)` }, () => {
  test('trains a small network in a worker, draws the curves, reports the accuracy and offers the network', { timeout: 180_000 }, async () => {
    const { chromium } = await import('playwright-core');
    const { server, url } = await startLabServer({ port: 0, host: '127.0.0.1' });
    const profile = mkdtempSync(join(tmpdir(), 'nnlab-web-lab-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    const problems: string[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
      });
      await page.goto(url);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');

      // Preset b1 (chapter 3: [784,30,10], cross-entropy, eta 0.5, test curves too), made tiny.
      await page.selectOption('#preset', 'b1');
      assert.equal(await page.inputValue('#arch'), '784, 30, 10');
      assert.equal(await page.inputValue('#eta'), '0.5');
      await page.fill('#train-size', '1000');
      await page.fill('#epochs', String(EPOCHS));
      await page.fill('#seed', '3');
      await page.click('#train');

      await trainingEnded(page, 150_000);
      const lab = await page.evaluate(() => {
        const l = (window as unknown as { nnlabLab: { state: string; backend: string; epochs: unknown[]; chartPoints: number; result: { testAccuracy: number; epochs: unknown[] }; errors: string[] } }).nnlabLab;
        // Pixels the charts' canvases actually drew.
        const inked = Array.from(document.querySelectorAll<HTMLCanvasElement>('#chart-cost canvas, #chart-accuracy canvas')).map((cv) => {
          const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
          return n;
        });
        return { state: l.state, backend: l.backend, epochs: l.epochs.length, chartPoints: l.chartPoints, testAccuracy: l.result?.testAccuracy, errors: l.errors, inked, shown: document.getElementById('test-accuracy')?.textContent ?? '', badge: document.getElementById('backend')!.textContent };
      });
      assert.deepEqual(lab.errors, []);
      assert.equal(lab.state, 'done');
      assert.equal(lab.epochs, EPOCHS);
      // every epoch: train, validation and test cost, and the same three accuracies
      assert.equal(lab.chartPoints, 6 * EPOCHS, 'points drawn');
      assert.equal(lab.inked.length, 2, 'two chart canvases');
      for (const n of lab.inked) assert.ok(n > 1000, `a chart canvas has ${n} drawn pixels`);
      assert.ok(lab.testAccuracy !== undefined && lab.testAccuracy > 0.5, `test accuracy ${lab.testAccuracy} is well above chance (0.1)`);
      assert.match(lab.shown, /^test accuracy \d+\.\d\d %$/);
      assert.match(String(lab.badge), new RegExp(`kernels: ${lab.backend}`));
      assert.equal(lab.backend, 'wasm', 'auto picks the WebAssembly SIMD kernels in Chromium');
      assert.match(String(lab.badge), /fused multiply-add/, "Chromium has relaxed SIMD: the kernels' FMA build runs");

      mkdirSync(join(REPO, 'docs', 'img'), { recursive: true });
      // Screenshots go to NNLAB_SCREENSHOT_DIR when set (docs/img for the README), else a temporary folder.
      await page.screenshot({ path: join(process.env.NNLAB_SCREENSHOT_DIR ?? tmpdir(), 'web-lab.png'), fullPage: true });

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const file = join(profile, 'net.nnlab');
      await download.saveAs(file);
      const { header } = decodeModel(readFileSync(file), referenceKernels, file);
      assert.deepEqual(header.inputShape, [1, 28, 28]);
      assert.deepEqual(
        header.layers.filter((l) => l.type === 'dense').map((l) => (l as { units: number }).units),
        [30, 10],
      );

      // A second run in the same page, on the reference kernels, gives exactly the numbers the
      // library's train() gives in Node for the same config (the lab adds nothing of its own).
      await page.selectOption('#backend-choice', 'reference');
      await page.fill('#epochs', '2');
      await page.click('#train');
      await trainingEnded(page, 120_000);
      const second = await page.evaluate(() => {
        const l = (window as unknown as { nnlabLab: { state: string; backend: string; result: RunResult | null } }).nnlabLab;
        return { state: l.state, backend: l.backend, result: l.result };
      });
      assert.equal(second.state, 'done');
      assert.equal(second.backend, 'reference');
      const r = second.result!;
      const config = resolveConfig(r.config);
      assert.equal(config.epochs, 2);
      assert.equal(config.data.trainSize, 1000);
      const node = await train({ config, data: loadSplits(config.data), kernels: referenceKernels });
      // Accuracies are counts, so equal exactly; costs may differ in the last bits (Chromium's and
      // Node's Math.log/Math.exp need not round alike).
      assert.equal(r.epochs.length, node.result.epochs.length);
      r.epochs.forEach((e, i) => {
        const n = node.result.epochs[i]!;
        for (const k of ['trainAccuracy', 'validationAccuracy', 'testAccuracy', 'learningRate'] as const) assert.equal(e[k], n[k], `epoch ${i + 1} ${k}`);
        for (const k of ['trainCost', 'validationCost', 'testCost'] as const) {
          assert.ok(e[k] !== null && n[k] !== null, `epoch ${i + 1} ${k} monitored`);
          assert.ok(Math.abs(e[k]! - n[k]!) <= 1e-9 * Math.abs(n[k]!), `epoch ${i + 1} ${k}: lab ${e[k]}, Node ${n[k]}`);
        }
      });
      assert.equal(r.testAccuracy, node.result.testAccuracy);

      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      server.closeAllConnections();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
