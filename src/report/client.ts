/**
 * The script inside every report page (plain browser JavaScript, as text). It reads the JSON data
 * element, draws each chart spec with uPlot into `#chart-<id>`, draws misclassified digits from
 * their base64 bytes onto canvases, and records what it drew in `window.nnlabRendered` (which
 * the browser test reads).
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('nnlab-data').textContent);
  var rendered = { charts: [], digits: 0, errors: [] };
  window.nnlabRendered = rendered;
  function alpha(hex, a) { return hex + Math.round(a * 255).toString(16).padStart(2, '0'); }
  function draw(spec) {
    var el = document.getElementById('chart-' + spec.id);
    if (!el) { rendered.errors.push('no element for chart ' + spec.id); return; }
    var series = [{ label: spec.xLabel }];
    var cols = [spec.x];
    var bands = [];
    var points = 0;
    spec.series.forEach(function (s) {
      var mean = {
        label: s.label,
        stroke: s.color,
        width: spec.kind === 'bars' ? 1 : 2,
        spanGaps: true,
        points: { show: spec.x.length <= 40 && spec.kind !== 'bars', size: 6 },
        value: function (u, v) { return v == null ? '–' : (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : +v.toPrecision(5)); }
      };
      if (s.dash) mean.dash = s.dash;
      if (spec.kind === 'bars') {
        mean.fill = alpha(s.color, 0.55);
        mean.paths = uPlot.paths.bars({ size: [0.92, Infinity], align: 0 });
        mean.points = { show: false };
      }
      series.push(mean);
      cols.push(s.values);
      points += s.values.filter(function (v) { return v != null; }).length;
      if (s.lo && s.hi) {
        var hiIdx = series.length;
        series.push({ label: s.label + ' (max)', stroke: alpha(s.color, 0.35), width: 1, points: { show: false } });
        cols.push(s.hi);
        series.push({ label: s.label + ' (min)', stroke: alpha(s.color, 0.35), width: 1, points: { show: false } });
        cols.push(s.lo);
        bands.push({ series: [hiIdx, hiIdx + 1], fill: alpha(s.color, 0.15) });
      }
    });
    var width = spec.kind === 'bars' ? 440 : 600;
    var opts = {
      width: width,
      height: spec.kind === 'bars' ? 220 : 300,
      series: series,
      bands: bands,
      scales: { x: spec.logX ? { time: false, distr: 3 } : { time: false }, y: spec.logY ? { distr: 3 } : {} },
      axes: [{ label: spec.xLabel }, { label: spec.yLabel, size: 64 }],
      pxAlign: 0,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } }
    };
    var plot = new uPlot(opts, cols, el);
    // The band edges (min/max across seeds) stay out of the legend.
    var rows = plot.root.querySelectorAll('.u-legend .u-series');
    series.forEach(function (s, i) { if (/ \((min|max)\)$/.test(s.label) && rows[i]) rows[i].style.display = 'none'; });
    rendered.charts.push({ id: spec.id, points: points, series: spec.series.length, canvas: !!plot.ctx });
  }
  function drawDigits(test) {
    var box = document.getElementById('digits');
    if (!box || !test) return;
    var bin = atob(test.pixels);
    var h = test.imageShape[test.imageShape.length - 2] || 1;
    var w = test.imageShape[test.imageShape.length - 1] || 1;
    var size = 1; test.imageShape.forEach(function (d) { size *= d; });
    test.misclassified.forEach(function (m, k) {
      var cell = document.createElement('div');
      cell.className = 'digit';
      var c = document.createElement('canvas');
      c.width = w; c.height = h;
      c.style.width = (w * 2) + 'px'; c.style.height = (h * 2) + 'px';
      var ctx = c.getContext('2d');
      var img = ctx.createImageData(w, h);
      for (var i = 0; i < w * h; i++) {
        var v = 255 - bin.charCodeAt(k * size + i);
        img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      cell.appendChild(c);
      var t = document.createElement('div');
      t.className = 'tp';
      t.innerHTML = m.label + ' → <b>' + m.predicted + '</b>';
      t.title = 'test image #' + m.index + ': true label ' + m.label + ', predicted ' + m.predicted;
      cell.appendChild(t);
      box.appendChild(cell);
      rendered.digits++;
    });
  }
  try {
    (data.charts || []).forEach(draw);
    drawDigits(data.test);
  } catch (e) {
    rendered.errors.push(String(e && e.stack || e));
    throw e;
  }
  rendered.done = true;
})();
`;
