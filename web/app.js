// app.js - nn-serve's page.  It uses nothing but the API of docs/api.md.
'use strict';

const $ = (sel) => document.querySelector(sel);
let models = [];            // GET /api/models
let modelId = 0;            // the model selected

async function api(method, path, body, type) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.body = body;
    opts.headers['Content-Type'] = type;
  }
  const r = await fetch(path, opts);
  let j;
  try {
    j = await r.json();
  } catch (e) {
    throw new Error(`${method} ${path}: ${r.status} ${r.statusText}`);
  }
  if (!r.ok)
    throw new Error(j.error || `${r.status} ${r.statusText}`);
  return j;
}

function showError(e) {
  const p = $('#error');
  p.textContent = e ? e.message || String(e) : '';
  p.hidden = !e;
}

const pct = (x) => (100 * x).toFixed(2) + '%';

// ---------------------------------------------------------------------------
// Models

function className(m, k) {
  return Array.isArray(m.classes) ? m.classes[k] : String(k);
}

async function loadModels(select) {
  models = (await api('GET', '/api/models')).models;
  const sel = $('#model');
  sel.textContent = '';
  for (const m of models) {
    const o = document.createElement('option');
    o.value = m.id;
    o.textContent = m.name + (m.run ? ` (run ${m.run})` : '');
    sel.appendChild(o);
  }
  if (select !== undefined)
    modelId = select;
  if (modelId >= models.length)
    modelId = 0;
  sel.value = modelId;
  modelChanged();
}

function modelChanged() {
  const m = models[modelId];
  if (!m) {
    $('#model-info').textContent = 'no model yet: train one';
    return;
  }
  const sizes = m.layers.map((l) => l.size).join('-');
  $('#model-info').textContent = `${sizes}, ${m.params} weights` +
    (m.members > 1 ? ` (the first of an ensemble of ${m.members})` : '') +
    (m.best_val_acc !== null ? `, validation ${pct(m.best_val_acc)}` : '');
  drawNetwork(m);
  loadWeights(m);
  loadConfusion(m);
  predictDrawing();
}

// ---------------------------------------------------------------------------
// A prediction: the class, a bar per class, the 28x28 input.

function showPrediction(prefix, p) {
  const m = models[p.model];
  $(`#${prefix}-class`).textContent = p.class_name || className(m, p.class);
  $(`#${prefix}-prob`).textContent =
    `${pct(p.probabilities[p.class])} in ${p.ms.toFixed(1)} ms`;
  const bars = $(`#${prefix}-bars`);
  bars.textContent = '';
  p.probabilities.forEach((q, k) => {
    const name = document.createElement('span');
    name.textContent = className(m, k);
    const bar = document.createElement('div');
    bar.className = 'bar' + (k === p.class ? ' best' : '');
    const fill = document.createElement('div');
    fill.style.width = (100 * q).toFixed(1) + '%';
    bar.appendChild(fill);
    const val = document.createElement('span');
    val.textContent = (100 * q).toFixed(1);
    bars.append(name, bar, val);
  });
  drawVector($(`#${prefix}-seen`), p.input, 28, 28);
}

function clearPrediction(prefix, note) {
  $(`#${prefix}-class`).textContent = '?';
  $(`#${prefix}-prob`).textContent = note;
  $(`#${prefix}-bars`).textContent = '';
  const c = $(`#${prefix}-seen`);
  c.getContext('2d').clearRect(0, 0, c.width, c.height);
}

// Values in [0,1] as gray levels, white for 1.
function drawVector(canvas, v, w, h) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const g = Math.max(0, Math.min(255, Math.round(255 * v[i])));
    img.data.set([g, g, g, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

// ---------------------------------------------------------------------------
// The drawing pad: strokes of points, redrawn whole after undo.

const pad = $('#pad');
const padCtx = pad.getContext('2d');
let strokes = [];
let drawing = null;         // the stroke under way
let inFlight = false, again = false;

function paintPad() {
  padCtx.fillStyle = '#fff';
  padCtx.fillRect(0, 0, pad.width, pad.height);
  padCtx.strokeStyle = '#000';
  padCtx.fillStyle = '#000';
  padCtx.lineWidth = 20;
  padCtx.lineCap = padCtx.lineJoin = 'round';
  for (const s of strokes) {
    padCtx.beginPath();
    padCtx.moveTo(s[0].x, s[0].y);
    if (s.length === 1)
      padCtx.arc(s[0].x, s[0].y, 10, 0, 2 * Math.PI);
    for (const p of s.slice(1))
      padCtx.lineTo(p.x, p.y);
    s.length === 1 ? padCtx.fill() : padCtx.stroke();
  }
}

function padPoint(ev) {
  const r = pad.getBoundingClientRect();
  return { x: (ev.clientX - r.left) * pad.width / r.width,
           y: (ev.clientY - r.top) * pad.height / r.height };
}

pad.addEventListener('pointerdown', (ev) => {
  ev.preventDefault();
  pad.setPointerCapture(ev.pointerId);
  drawing = [padPoint(ev)];
  strokes.push(drawing);
  paintPad();
  predictDrawing();
});
pad.addEventListener('pointermove', (ev) => {
  if (!drawing)
    return;
  ev.preventDefault();
  drawing.push(padPoint(ev));
  paintPad();
  predictDrawing();
});
for (const type of ['pointerup', 'pointercancel'])
  pad.addEventListener(type, () => {
    if (drawing)
      predictDrawing();
    drawing = null;
  });
$('#clear').addEventListener('click', () => {
  strokes = [];
  paintPad();
  clearPrediction('draw', 'draw a digit');
});
$('#undo').addEventListener('click', () => {
  strokes.pop();
  paintPad();
  predictDrawing();
});

// One request at a time; changes meanwhile send the latest drawing next.
function predictDrawing() {
  if (!strokes.length || !models.length) {
    clearPrediction('draw', strokes.length ? 'no model' : 'draw a digit');
    return;
  }
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  pad.toBlob(async (png) => {
    try {
      const p = await api('POST', `/api/predict?model=${modelId}`, png,
                          'image/png');
      if (strokes.length)       // not cleared while the answer was on its way
        showPrediction('draw', p);
      showError(null);
    } catch (e) {
      clearPrediction('draw', e.message);
    }
    inFlight = false;
    if (again) {
      again = false;
      predictDrawing();
    }
  }, 'image/png');
}

// ---------------------------------------------------------------------------
// A photo, dropped or picked.

let photo = null;

async function predictPhoto() {
  if (!photo || !models.length)
    return;
  try {
    showPrediction('photo', await api('POST', `/api/predict?model=${modelId}`,
                                      photo, photo.type || 'application/octet-stream'));
  } catch (e) {
    clearPrediction('photo', e.message);
  }
}

function takePhoto(file) {
  photo = file;
  const img = $('#photo-img');
  img.hidden = false;
  img.onerror = () => {
    img.hidden = true;
    $('#photo-note').textContent = `${file.name}: no preview in the browser`;
  };
  $('#photo-note').textContent = file.name;
  img.src = URL.createObjectURL(file);
  predictPhoto();
}

$('#photo-file').addEventListener('change', (ev) => {
  if (ev.target.files.length)
    takePhoto(ev.target.files[0]);
});
const drop = $('#drop');
drop.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  drop.classList.remove('over');
  if (ev.dataTransfer.files.length)
    takePhoto(ev.dataTransfer.files[0]);
});

// ---------------------------------------------------------------------------
// Training: the form's fields are nn-train's long options.

let events = null;
let lastRun = 0;

$('#train-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const opts = {};
  for (const el of ev.target.elements)
    if (el.name && el.value.trim() !== '')
      opts[el.name] = el.value.trim();
  try {
    showRun(await api('POST', '/api/train', JSON.stringify(opts),
                      'application/json'));
    showError(null);
    follow();
  } catch (e) {
    showError(e);
  }
});
$('#train-stop').addEventListener('click', async () => {
  try {
    showRun(await api('POST', '/api/train/stop'));
  } catch (e) {
    showError(e);
  }
});

function follow() {
  if (events)
    return;
  events = new EventSource('/api/train/events');
  events.onmessage = (ev) => showRun(JSON.parse(ev.data));
}

function showRun(r) {
  const going = r.state === 'running' || r.state === 'stopping';
  $('#train-start').disabled = going;
  $('#train-stop').disabled = r.state !== 'running';
  let text = r.run ? `run ${r.run}: ${r.state}` : 'idle';
  if (going)
    text += `, epoch ${r.epoch} of ${r.epochs}`;
  if (r.test_acc !== null)
    text += `, test accuracy ${pct(r.test_acc)}`;
  if (r.error)
    text += ` (${r.error})`;
  $('#train-state').textContent = text;
  const prog = $('#train-progress');
  prog.value = r.total ? r.done / r.total : 0;
  drawCurves(r.history);
  if (!going && events) {
    events.close();         // each stream holds one of the server's threads
    events = null;
  }
  if (!going && r.run && r.run !== lastRun) {
    lastRun = r.run;
    loadRuns();
    if (r.model !== null)
      loadModels(r.model).catch(showError);
  }
}

// Loss on the left, accuracy on the right; training solid, validation
// dashed.
function drawCurves(h) {
  const c = $('#curve');
  c.dataset.points = h.length;
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const half = c.width / 2;
  const plot = (x0, title, series, lo, hi, fmt) => {
    const L = x0 + 46, R = x0 + half - 12, T = 20, B = c.height - 26;
    ctx.strokeStyle = '#999';
    ctx.fillStyle = '#333';
    ctx.font = '12px sans-serif';
    ctx.strokeRect(L, T, R - L, B - T);
    ctx.fillText(title, L, 14);
    ctx.fillText(fmt(hi), x0 + 2, T + 4);
    ctx.fillText(fmt(lo), x0 + 2, B);
    ctx.fillText('epoch', (L + R) / 2 - 16, B + 18);
    if (h.length) {
      ctx.fillText('1', L - 3, B + 14);
      ctx.fillText(String(h.length), R - 6, B + 14);
    }
    const n = Math.max(h.length, 2);
    const X = (i) => L + (R - L) * i / (n - 1);
    const Y = (v) => B - (B - T) * (v - lo) / ((hi - lo) || 1);
    for (const [key, color, dash] of series) {
      const pts = h.map((e, i) => [X(i), e[key]]).filter((p) => p[1] !== null);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.setLineDash(dash);
      ctx.beginPath();
      pts.forEach(([x, v], i) => (i ? ctx.lineTo(x, Y(v)) : ctx.moveTo(x, Y(v))));
      ctx.stroke();
      pts.forEach(([x, v]) => ctx.fillRect(x - 2, Y(v) - 2, 4, 4));
    }
    ctx.setLineDash([]);
  };
  const vals = (keys) => h.flatMap((e) => keys.map((k) => e[k]))
    .filter((v) => v !== null);
  const loss = vals(['loss', 'val_loss']), acc = vals(['acc', 'val_acc']);
  plot(0, 'loss (training —, validation - -)',
       [['loss', '#1565c0', []], ['val_loss', '#e65100', [5, 4]]],
       0, Math.max(0.1, ...loss), (v) => v.toFixed(2));
  plot(half, 'accuracy',
       [['acc', '#1565c0', []], ['val_acc', '#e65100', [5, 4]]],
       Math.min(0.9, ...acc), 1, (v) => pct(v));
}

async function loadRuns() {
  const j = await api('GET', '/api/runs');
  const body = $('#runs tbody');
  body.textContent = '';
  $('#runs-note').textContent = j.log ? `from ${j.log}`
    : 'no run log: start nn-serve with --runs FILE to keep one';
  for (const r of j.runs.slice().reverse()) {
    const tr = document.createElement('tr');
    const cells = [r.time.replace('T', ' ').slice(0, 16), r.network,
      r.activation, r.rate, r.batch, r.epochs_run,
      r.best_val_acc === null ? '' : pct(r.best_val_acc),
      r.test_acc === null ? '' : pct(r.test_acc), r.seconds,
      r.model.replace(/.*\//, '')];
    for (const v of cells) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

// ---------------------------------------------------------------------------
// Inside: the layers, the first layer's weights, the confusion matrix.

function drawNetwork(m) {
  const svg = $('#network');
  const NS = 'http://www.w3.org/2000/svg';
  svg.textContent = '';
  const n = m.layers.length, w = 760, gap = w / n;
  const tall = (size) => 20 + 14 * Math.log2(size);
  const box = m.layers.map((l, i) => {
    const h = Math.min(130, tall(l.size));
    return { x: gap * i + gap / 2 - 30, y: 75 - h / 2, w: 60, h };
  });
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs)
      e.setAttribute(k, attrs[k]);
    if (text)
      e.textContent = text;
    svg.appendChild(e);
  };
  box.slice(1).forEach((b, i) => {
    const a = box[i];
    add('polygon', { points: `${a.x + a.w},${a.y} ${b.x},${b.y} ` +
      `${b.x},${b.y + b.h} ${a.x + a.w},${a.y + a.h}`, fill: '#cfd8dc' });
  });
  m.layers.forEach((l, i) => {
    const b = box[i];
    add('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 4,
                  fill: i ? '#607d8b' : '#90a4ae' });
    // An image layer (conv, maxpool) shows its shape, the others their size.
    add('text', { x: b.x + b.w / 2, y: b.y + b.h / 2 + 5, fill: '#fff',
                  'text-anchor': 'middle', 'font-size': l.width ? 11 : 14 },
        l.width ? `${l.width}x${l.height}x${l.channels}` : String(l.size));
    const kind = l.type === 'conv' ? `conv${l.kernel}x${l.kernel}` : l.type;
    add('text', { x: b.x + b.w / 2, y: 164, 'text-anchor': 'middle',
                  'font-size': 12, fill: '#333' },
        i ? (l.activation ? `${kind} ${l.activation}` : kind) : 'input');
  });
}

// Signed weights: blue below 0, red above, scaled by each unit's largest.
async function loadWeights(m) {
  const div = $('#weights');
  div.textContent = '';
  try {
    const j = await api('GET', `/api/weights?model=${m.id}&layer=0&max=64`);
    if (!j.width) {
      div.textContent = 'the first layer does not take a picture';
      return;
    }
    for (const u of j.units) {
      const c = document.createElement('canvas');
      c.width = j.width;
      c.height = j.height;
      const ctx = c.getContext('2d');
      const img = ctx.createImageData(j.width, j.height);
      const big = Math.max(1e-9, ...u.map(Math.abs));
      u.forEach((v, i) => {
        const t = Math.round(255 * Math.min(1, Math.abs(v) / big));
        img.data.set(v < 0 ? [255 - t, 255 - t, 255] : [255, 255 - t, 255 - t], 4 * i);
        img.data[4 * i + 3] = 255;
      });
      ctx.putImageData(img, 0, 0);
      div.appendChild(c);
    }
  } catch (e) {
    div.textContent = e.message;
  }
}

async function loadConfusion(m) {
  const t = $('#confusion');
  t.textContent = '';
  $('#misread').textContent = '';
  let j;
  try {
    j = await api('GET', `/api/confusion?model=${m.id}`);
  } catch (e) {
    $('#confusion-note').textContent = e.message;
    return;
  }
  $('#confusion-note').textContent = `accuracy ${pct(j.accuracy)} ` +
    `(${j.correct} of ${j.n}); rows are the true classes, columns the ` +
    'answers; click a cell to see those digits';
  const k = j.matrix.length;
  const head = document.createElement('tr');
  head.appendChild(document.createElement('th'));
  for (let p = 0; p < k; p++) {
    const th = document.createElement('th');
    th.textContent = className(m, p);
    head.appendChild(th);
  }
  t.appendChild(head);
  const big = Math.max(...j.matrix.flatMap((row, a) =>
    row.filter((_, p) => p !== a)), 1);
  j.matrix.forEach((row, a) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = className(m, a);
    tr.appendChild(th);
    row.forEach((n, p) => {
      const td = document.createElement('td');
      td.textContent = n;
      if (a === p) {
        td.style.background = '#c8e6c9';
      } else if (n) {
        td.className = 'miss';
        td.style.background = `rgba(230, 81, 0, ${0.15 + 0.85 * n / big})`;
        td.addEventListener('click', () => showMisread(m, a, p, td));
      }
      tr.appendChild(td);
    });
    t.appendChild(tr);
  });
}

async function showMisread(m, a, p, td) {
  for (const c of document.querySelectorAll('#confusion td.picked'))
    c.classList.remove('picked');
  td.classList.add('picked');
  const div = $('#misread');
  div.textContent = '';
  try {
    const j = await api('GET', `/api/misread?model=${m.id}&actual=${a}` +
                        `&predicted=${p}&max=60`);
    for (const im of j.images) {
      const c = document.createElement('canvas');
      c.title = `test image ${im.index + 1}: a ${className(m, a)} read as ` +
        className(m, p);
      drawVector(c, im.input, 28, 28);
      div.appendChild(c);
    }
  } catch (e) {
    div.textContent = e.message;
  }
}

// ---------------------------------------------------------------------------

$('#model').addEventListener('change', (ev) => {
  modelId = Number(ev.target.value);
  modelChanged();
  predictPhoto();
});

async function start() {
  paintPad();
  try {
    const info = await api('GET', '/api/info');
    if (!info.data) {
      $('#train-off').hidden = false;
      $('#train-form').hidden = true;
    }
    await loadModels();
    loadRuns();
    const r = await api('GET', '/api/train');
    lastRun = r.run;
    showRun(r);
    if (r.state === 'running' || r.state === 'stopping')
      follow();
  } catch (e) {
    showError(e);
  }
}
start();
