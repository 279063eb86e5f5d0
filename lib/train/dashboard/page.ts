/**
 * The dashboard page: HTML, CSS and the browser script. Charts are vega-lite specs rendered
 * by vega-embed (scripts served by the package from the installed vega, vega-lite and
 * vega-embed). Everything taken from logs is put in the page as text (textContent, or vega's
 * own text marks), never as HTML.
 */

export const PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nodegrad dashboard</title>
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/vega.min.js"></script>
<script src="/assets/vega-lite.min.js"></script>
<script src="/assets/vega-embed.min.js"></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<header><h1>nodegrad dashboard</h1><span id="status" class="status">connecting</span></header>
<div class="layout">
<aside>
<h2>Runs</h2>
<p class="hint">Tick runs to overlay their curves; click a name for its details.</p>
<ul id="run-list"></ul>
</aside>
<main>
<section><h2>Per step <span class="meta">loss of the batch, running metrics of the epoch so far</span></h2><div id="steps-chart" class="chart"></div></section>
<section><h2>Per epoch <span class="meta">solid: training, dashed: validation</span></h2><div id="epochs-chart" class="chart"><p class="note">No epoch finished yet.</p></div></section>
<section id="detail">
<h2>Run <span id="detail-name"></span> <span id="detail-status" class="badge"></span></h2>
<div id="final" class="cards"></div>
<h3>Confusion matrix <span id="cm-epoch" class="meta"></span></h3>
<div id="cm-chart" class="chart"><p class="note">Shown after each validation of a classification run.</p></div>
<h3>Per-class precision, recall and F1</h3>
<table id="class-table"></table>
<h3>Weights and gradients <span id="hist-step" class="meta"></span></h3>
<div id="hist-chart" class="chart"><p class="note">No histograms yet.</p></div>
<h3>Model</h3>
<table id="summary-table"></table>
<h3>Configuration</h3>
<pre id="config"></pre>
</section>
</main>
</div>
</body>
</html>
`;

export const PAGE_CSS = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0; background: #fafafa; }
header { display: flex; align-items: baseline; gap: 1em; padding: 0.6em 1.2em; background: #1f3b57; color: #fff; }
header h1 { font-size: 1.3em; margin: 0; }
.status { font-size: 0.9em; opacity: 0.85; }
.layout { display: flex; align-items: flex-start; }
aside { width: 230px; flex: none; padding: 0.8em 1em; box-sizing: border-box; position: sticky; top: 0; }
aside h2 { font-size: 1.1em; margin: 0.2em 0; }
.hint { color: #777; font-size: 0.85em; margin: 0.2em 0 0.6em; }
#run-list { list-style: none; padding: 0; margin: 0; }
#run-list li { display: grid; grid-template-columns: auto 1fr; column-gap: 0.4em; padding: 0.3em 0.2em; border-radius: 4px; }
#run-list li.selected { background: #e8f0fa; }
#run-list button { all: unset; cursor: pointer; overflow-wrap: anywhere; }
#run-list .info { grid-column: 2; font-size: 0.8em; color: #888; }
#run-list .info .badge { margin-right: 0.5em; }
main { flex: 1; padding: 0.5em 1.5em 2em; min-width: 0; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 0.4em 1em 1em; margin: 0.8em 0; }
h2 { font-size: 1.15em; }
h3 { font-size: 1em; margin: 1.2em 0 0.4em; }
.meta { color: #777; font-weight: normal; font-size: 0.9em; }
.note { color: #888; font-style: italic; }
.badge { font-size: 0.75em; padding: 0.1em 0.5em; border-radius: 9px; background: #eee; color: #444; font-weight: normal; vertical-align: middle; }
.badge.live { background: #d8f5dd; color: #17692a; }
.badge.stopped { background: #fbe3d6; color: #8a3b12; }
.cards { display: flex; flex-wrap: wrap; gap: 0.6em; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.3em 0.8em; min-width: 7em; }
.card .k { color: #666; font-size: 0.8em; }
.card .v { font-size: 1.2em; font-weight: 600; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 6px; padding: 0.8em; overflow: auto; font-size: 12px; white-space: pre-wrap; }
.chart { overflow-x: auto; }
`;

// The browser script (no template literals inside: it lives in one).
export const PAGE_JS = String.raw`'use strict';
(function () {
  var runs = new Map();
  var order = [];
  var selected = null;
  var views = { steps: null, epochs: null };
  var dirty = { steps: false, epochs: false, detail: false, list: false };
  var MAX_POINTS = 600;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function num(v) {
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v)) return String(v);
    var a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
  }
  function value(v) { return typeof v === 'number' ? v : (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NaN); }

  function newRun(id) {
    return { id: id, name: id, visible: true, status: 'waiting', steps: [], epochs: [], hist: null, evalEvent: null,
      config: null, summary: null, final: null };
  }
  function getRun(id) {
    var r = runs.get(id);
    if (!r) { r = newRun(id); runs.set(id, r); order.push(id); if (selected === null) selected = id; dirty.list = true; }
    return r;
  }
  function reset(r) {
    var keep = r.visible;
    var fresh = newRun(r.id);
    fresh.visible = keep;
    runs.set(r.id, fresh);
    return fresh;
  }
  function apply(id, events, resetFirst) {
    var r = getRun(id);
    if (resetFirst) r = reset(r);
    for (var i = 0; i < events.length; i++) {
      var e = events[i];
      switch (e.t) {
        case 'start': r = reset(r); r.name = String(e.name); r.status = 'live'; break;
        case 'config': r.config = e.config; break;
        case 'summary': r.summary = e; break;
        case 'step': r.steps.push(e); dirty.steps = true; break;
        case 'epoch': r.epochs.push(e); dirty.epochs = true; break;
        case 'hist': r.hist = e; break;
        case 'eval': r.evalEvent = e; break;
        case 'final': r.final = e.metrics; break;
        case 'end': r.status = String(e.status); if (!r.final) r.final = e.logs; break;
      }
    }
    dirty.list = true;
    if (id === selected) dirty.detail = true;
  }

  // ---- run list
  function renderList() {
    var ul = document.getElementById('run-list');
    ul.textContent = '';
    order.forEach(function (id) {
      var r = runs.get(id);
      var li = el('li', id === selected ? 'selected' : '');
      li.dataset.run = id;
      var box = el('input');
      box.type = 'checkbox';
      box.checked = r.visible;
      box.title = 'show in the charts';
      box.addEventListener('change', function () { r.visible = box.checked; dirty.steps = dirty.epochs = true; });
      var name = el('button', 'name', r.name === id ? id : r.name + ' (' + id + ')');
      name.addEventListener('click', function () { selected = id; dirty.list = dirty.detail = true; });
      var info = el('div', 'info');
      info.append(el('span', 'badge ' + r.status, r.status), el('span', 'count', (r.steps.length ? r.steps[r.steps.length - 1].step + 1 : 0) + ' steps'));
      li.append(box, name, info);
      ul.append(li);
    });
  }

  // ---- charts
  function embed(target, spec) {
    // ast: vega's expression interpreter instead of compiled code (the page's CSP has no 'unsafe-eval').
    return vegaEmbed(target, spec, { actions: false, renderer: 'svg', ast: true }).then(function (res) { return res.view; });
  }
  var stepSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { name: 'points' },
    facet: { field: 'key', type: 'nominal', title: null, sort: { field: 'order', op: 'min' } },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220, height: 130,
      mark: { type: 'line', strokeWidth: 1.3, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'run', type: 'nominal', title: 'run' },
        tooltip: [{ field: 'run' }, { field: 'key' }, { field: 'step' }, { field: 'value', format: '.4g' }]
      }
    }
  };
  var epochSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { name: 'points' },
    facet: { field: 'metric', type: 'nominal', title: null },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220, height: 130,
      mark: { type: 'line', point: true, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'run', type: 'nominal', title: 'run' },
        strokeDash: { field: 'split', type: 'nominal', title: null, sort: ['train', 'validation'], legend: null },
        tooltip: [{ field: 'run' }, { field: 'metric' }, { field: 'split' }, { field: 'epoch' }, { field: 'value', format: '.4g' }]
      }
    }
  };
  // loss first, then the metrics, then the system figures.
  var KEY_ORDER = ['loss', 'lr', 'step_ms', 'samples_per_s', 'memory_mb', 'tensor_mb'];
  function keyOrder(k) { var i = KEY_ORDER.indexOf(k); return i < 0 ? 0.5 : i; }

  function stepRows() {
    var rows = [];
    order.forEach(function (id) {
      var r = runs.get(id);
      if (!r.visible || r.steps.length === 0) return;
      // One point per bucket of steps (MAX_POINTS buckets over the run so far), and the last step.
      var last = r.steps[r.steps.length - 1];
      var width = Math.max(1, Math.ceil((last.step + 1) / MAX_POINTS));
      var bucket = -1;
      for (var i = 0; i < r.steps.length; i++) {
        var e = r.steps[i];
        var b = Math.floor(e.step / width);
        if (b === bucket && e !== last) continue;
        bucket = b;
        for (var k in e.s) rows.push({ run: id, key: k, order: keyOrder(k), step: e.step, value: value(e.s[k]) });
      }
    });
    return rows;
  }
  function epochRows() {
    var rows = [];
    order.forEach(function (id) {
      var r = runs.get(id);
      if (!r.visible) return;
      r.epochs.forEach(function (e) {
        for (var k in e.s) {
          var val = k.indexOf('val_') === 0;
          rows.push({ run: id, metric: val ? k.slice(4) : k, split: val ? 'validation' : 'train', epoch: e.epoch + 1, value: value(e.s[k]) });
        }
      });
    });
    return rows;
  }
  function updateChart(name, target, spec, rows) {
    var div = document.getElementById(target);
    if (rows.length === 0 && !views[name]) return Promise.resolve();
    if (!views[name]) {
      // As many chart columns as fit the page.
      spec.columns = Math.max(1, Math.min(4, Math.floor((div.clientWidth - 140) / 275)));
      div.textContent = '';
    }
    var p = views[name] ? Promise.resolve(views[name]) : embed('#' + target, spec).then(function (v) { views[name] = v; return v; });
    return p.then(function (view) {
      return view.data('points', rows).resize().runAsync().then(function () {
        // What the chart holds, for tests and curious users: its point count and last step.
        var shownRows = view.data('points');
        div.dataset.points = String(shownRows.length);
        div.dataset.lastStep = String(shownRows.reduce(function (m, d) { return d.step > m ? d.step : m; }, -1));
      });
    });
  }

  // ---- detail of the selected run
  function cards(obj) {
    var box = document.getElementById('final');
    box.textContent = '';
    if (!obj) return;
    Object.keys(obj).forEach(function (k) {
      var c = el('div', 'card');
      c.append(el('div', 'k', k), el('div', 'v', num(value(obj[k]))));
      box.append(c);
    });
  }
  function fillTable(table, head, rows) {
    table.textContent = '';
    if (rows.length === 0) return;
    var thead = el('thead');
    var tr = el('tr');
    head.forEach(function (h) { tr.append(el('th', '', h)); });
    thead.append(tr);
    var tbody = el('tbody');
    rows.forEach(function (row) {
      var r = el('tr');
      row.forEach(function (c) { r.append(el('td', '', c)); });
      tbody.append(r);
    });
    table.append(thead, tbody);
  }
  var detailViews = { cm: null, hist: null };
  // What the detail charts show now (they are redrawn only when it changes, histograms at most every 2 s).
  var shown = { run: null, cm: null, hist: null, histAt: 0 };
  function replaceChart(key, target, spec) {
    if (detailViews[key]) { detailViews[key].finalize(); detailViews[key] = null; }
    var div = document.getElementById(target);
    div.textContent = '';
    if (!spec) { div.append(el('p', 'note', key === 'cm' ? 'Shown after each validation of a classification run.' : 'No histograms yet.')); return Promise.resolve(); }
    return embed('#' + target, spec).then(function (v) { detailViews[key] = v; });
  }
  function renderDetail() {
    var r = selected === null ? null : runs.get(selected);
    if (!r) return Promise.resolve();
    if (shown.run !== r) { shown.run = r; shown.cm = shown.hist = undefined; shown.histAt = 0; }
    var work = [];
    document.getElementById('detail-name').textContent = r.name;
    var badge = document.getElementById('detail-status');
    badge.textContent = r.status;
    badge.className = 'badge ' + r.status;
    cards(r.final);
    document.getElementById('config').textContent = r.config ? JSON.stringify(r.config, null, 2) : '';
    fillTable(document.getElementById('summary-table'), ['layer', 'type', 'parameters', 'details'],
      r.summary ? r.summary.layers.map(function (l) { return [l.name, l.type, l.params.toLocaleString('en-US'), l.detail]; })
        .concat([['total', '', r.summary.total.toLocaleString('en-US'), '']]) : []);
    var ev = r.evalEvent;
    document.getElementById('cm-epoch').textContent = ev ? '(validation after epoch ' + (ev.epoch + 1) + ', rows: true class, columns: predicted)' : '';
    fillTable(document.getElementById('class-table'), ['class', 'precision', 'recall', 'f1', 'support'],
      ev ? ev.classes.map(function (c) { return [c.name, value(c.precision).toFixed(4), value(c.recall).toFixed(4), value(c.f1).toFixed(4), String(c.support)]; })
        .concat([['accuracy', '', '', value(ev.accuracy).toFixed(4), '']]) : []);
    if (shown.cm !== ev) { shown.cm = ev; work.push(replaceChart('cm', 'cm-chart', cmSpec(ev))); }
    if (shown.hist !== r.hist) {
      if (Date.now() - shown.histAt >= 2000) { shown.hist = r.hist; shown.histAt = Date.now(); work.push(replaceChart('hist', 'hist-chart', histSpec(r))); }
      else dirty.detail = true;
    }
    return Promise.all(work);
  }
  function cmSpec(ev) {
    var cmRows = [];
    if (ev) ev.cm.forEach(function (row, i) { row.forEach(function (v, j) { cmRows.push({ truth: ev.labels[i], predicted: ev.labels[j], i: i, j: j, count: v }); }); });
    var cell = ev ? Math.max(22, Math.min(48, Math.floor(420 / ev.labels.length))) : 0;
    return ev ? {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: cmRows }, width: cell * ev.labels.length, height: cell * ev.labels.length,
      encoding: {
        x: { field: 'predicted', type: 'ordinal', sort: ev.labels, title: 'predicted' },
        y: { field: 'truth', type: 'ordinal', sort: ev.labels, title: 'true' }
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'count' },
          color: { condition: { test: 'datum.count > 0.5 * ' + Math.max.apply(null, cmRows.map(function (d) { return d.count; }).concat([1])), value: 'white' }, value: 'black' } } }
      ]
    } : null;
  }
  function histSpec(r) {
    document.getElementById('hist-step').textContent = r.hist ? '(step ' + r.hist.step + ', epoch ' + (r.hist.epoch + 1) + ')' : '';
    var histRows = [];
    if (r.hist) r.hist.tensors.forEach(function (t) {
      var w = (value(t.hi) - value(t.lo)) / t.counts.length;
      t.counts.forEach(function (c, b) { histRows.push({ tensor: t.name, kind: t.kind === 'grad' ? 'gradient' : 'weight', x0: value(t.lo) + b * w, x1: value(t.lo) + (b + 1) * w, count: c }); });
    });
    return r.hist ? {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: histRows },
      facet: { row: { field: 'tensor', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } },
        column: { field: 'kind', type: 'nominal', title: null, sort: ['weight', 'gradient'] } },
      resolve: { scale: { x: 'independent', y: 'independent' } },
      spec: { width: 240, height: 50, mark: { type: 'bar', orient: 'vertical', color: '#4c78a8' },
        encoding: { x: { field: 'x0', type: 'quantitative', title: null, scale: { zero: false } }, x2: { field: 'x1' },
          y: { field: 'count', type: 'quantitative', title: null, axis: { tickCount: 2 } } } }
    } : null;
  }

  // ---- rendering loop: at most a few redraws a second, one at a time
  var busy = false;
  var chartsAt = 0;
  function render() {
    if (busy) return;
    var work = [];
    if (dirty.list) { dirty.list = false; renderList(); }
    // The curves are redrawn whole (decimated to MAX_POINTS per run): at most twice a second.
    var charts = Date.now() - chartsAt >= 500;
    if (charts && (dirty.steps || dirty.epochs)) chartsAt = Date.now();
    if (charts && dirty.steps) { dirty.steps = false; work.push(updateChart('steps', 'steps-chart', stepSpec, stepRows())); }
    if (charts && dirty.epochs) { dirty.epochs = false; work.push(updateChart('epochs', 'epochs-chart', epochSpec, epochRows())); }
    if (dirty.detail) { dirty.detail = false; work.push(renderDetail()); }
    if (work.length === 0) return;
    busy = true;
    Promise.all(work).catch(function (err) { console.error(err); setStatus('chart error: ' + err.message); })
      .then(function () { busy = false; });
  }
  setInterval(render, 250);

  function setStatus(s) { document.getElementById('status').textContent = s; }
  function connect() {
    var source = new EventSource('/api/stream');
    source.addEventListener('open', function () { setStatus('live'); });
    source.addEventListener('error', function () { setStatus('disconnected, retrying'); });
    source.addEventListener('snapshot', function (m) {
      var list = JSON.parse(m.data);
      list.forEach(function (run) { apply(run.id, run.events, true); });
      dirty.steps = dirty.epochs = dirty.detail = dirty.list = true;
      render();
    });
    source.addEventListener('runs', function (m) {
      JSON.parse(m.data).forEach(function (run) { getRun(run.id); });
    });
    source.addEventListener('events', function (m) {
      var d = JSON.parse(m.data);
      apply(d.id, d.events, d.reset);
    });
  }
  connect();
})();
`;
