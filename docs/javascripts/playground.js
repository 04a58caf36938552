// The playground of chapter 4: a small MLP trained in the reader's browser on XOR or two
// spirals, with its decision map redrawn as it learns (in the spirit of TensorFlow Playground).
//
// The numerics are gdsc_book/playground.py's, step for step, in float64 (what JavaScript
// numbers are): the same data (the figure record ch04_playground, put in the page by the
// playground() macro), the same initial weights (both draw them from mulberry32), the same
// forward pass, softmax cross-entropy, backpropagation and full-batch gradient step.
// tests/test_playground.py runs both and compares their losses.
//
// Plain Canvas 2D, no library: the map is one pixel buffer scaled up, the loss curve one line.
(function () {
  "use strict";

  // --- the numerics (mirror gdsc_book/playground.py) -------------------------------------

  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a) >>> 0;
      t = ((t + Math.imul(t ^ (t >>> 7), 61 | t)) >>> 0) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function sizes(setup) {
    const out = [2];
    for (let i = 0; i < setup.depth; i++) out.push(setup.width);
    out.push(2);
    return out;
  }

  // W (fan_in x fan_out, row by row), then b, layer after layer; uniform in +-1/sqrt(fan_in).
  function initParams(layerSizes, seed) {
    const draw = mulberry32(seed);
    const params = [];
    for (let l = 0; l + 1 < layerSizes.length; l++) {
      const fanIn = layerSizes[l], fanOut = layerSizes[l + 1];
      const bound = 1 / Math.sqrt(fanIn);
      const w = new Float64Array(fanIn * fanOut), b = new Float64Array(fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * draw() - 1) * bound;
      for (let i = 0; i < b.length; i++) b[i] = (2 * draw() - 1) * bound;
      params.push({ w: w, b: b, fanIn: fanIn, fanOut: fanOut });
    }
    return params;
  }

  function sigmoid(z) {  // never exponentiates a positive number
    const e = Math.exp(-Math.abs(z));
    return z >= 0 ? 1 / (1 + e) : e / (1 + e);
  }

  const ACTIVATE = {
    relu: function (z) { return z > 0 ? z : 0; },
    tanh: Math.tanh,
    sigmoid: sigmoid,
  };
  const GRAD = {  // phi'(z) from z and a = phi(z)
    relu: function (z) { return z > 0 ? 1 : 0; },
    tanh: function (z, a) { return 1 - a * a; },
    sigmoid: function (z, a) { return a * (1 - a); },
  };

  // Logits of n points (x: n x 2, row by row) and what backpropagation needs of each layer.
  function forward(params, x, n, activation) {
    const phi = ACTIVATE[activation];
    const cache = [];
    let a = x;
    for (let l = 0; l < params.length; l++) {
      const p = params[l], fi = p.fanIn, fo = p.fanOut;
      const z = new Float64Array(n * fo);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < fo; j++) {
          let s = 0;
          for (let k = 0; k < fi; k++) s += a[i * fi + k] * p.w[k * fo + j];
          z[i * fo + j] = s + p.b[j];
        }
      }
      if (l === params.length - 1) {
        cache.push({ a: a, z: z, h: null });
        return { logits: z, cache: cache };
      }
      const h = new Float64Array(z.length);
      for (let i = 0; i < z.length; i++) h[i] = phi(z[i]);
      cache.push({ a: a, z: z, h: h });
      a = h;
    }
    throw new Error("no layers");
  }

  // Mean softmax cross-entropy over two logits, its gradient, and the accuracy.
  function crossEntropy(logits, y, n) {
    const grad = new Float64Array(n * 2);
    let total = 0, right = 0;
    for (let i = 0; i < n; i++) {
      const z0 = logits[2 * i], z1 = logits[2 * i + 1];
      const m = Math.max(z0, z1);
      const e0 = Math.exp(z0 - m), e1 = Math.exp(z1 - m), s = e0 + e1;
      total += Math.log(s) + m - (y[i] === 1 ? z1 : z0);
      grad[2 * i] = (e0 / s - (y[i] === 0 ? 1 : 0)) / n;
      grad[2 * i + 1] = (e1 / s - (y[i] === 1 ? 1 : 0)) / n;
      if ((z1 > z0 ? 1 : 0) === y[i]) right++;
    }
    return { loss: total / n, grad: grad, accuracy: right / n };
  }

  function Trainer(data, setup) {
    this.x = Float64Array.from(data.x);
    this.y = Int32Array.from(data.y);
    this.n = this.y.length;
    this.setup = Object.assign({}, setup);
    this.params = initParams(sizes(setup), setup.seed);
    this.t = 0;  // steps taken
  }

  // The loss and accuracy of the current weights (what step t shows).
  Trainer.prototype.evaluate = function () {
    const f = forward(this.params, this.x, this.n, this.setup.activation);
    const ce = crossEntropy(f.logits, this.y, this.n);
    return { loss: ce.loss, accuracy: ce.accuracy };
  };

  // One gradient-descent step; returns the loss and accuracy of the weights it started from.
  Trainer.prototype.step = function () {
    const act = this.setup.activation, lr = this.setup.lr, n = this.n, params = this.params;
    const f = forward(params, this.x, n, act);
    const ce = crossEntropy(f.logits, this.y, n);
    let dz = ce.grad;
    const grads = [];
    for (let l = params.length - 1; l >= 0; l--) {
      const p = params[l], fi = p.fanIn, fo = p.fanOut, a = f.cache[l].a;
      const dw = new Float64Array(fi * fo), db = new Float64Array(fo);
      for (let k = 0; k < fi; k++) {
        for (let j = 0; j < fo; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += a[i * fi + k] * dz[i * fo + j];
          dw[k * fo + j] = s;
        }
      }
      for (let j = 0; j < fo; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += dz[i * fo + j];
        db[j] = s;
      }
      grads[l] = { dw: dw, db: db };
      if (l > 0) {  // through the old weights, into the layer below
        const below = f.cache[l - 1], g = GRAD[act];
        const next = new Float64Array(n * fi);
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < fi; k++) {
            let s = 0;
            for (let j = 0; j < fo; j++) s += dz[i * fo + j] * p.w[k * fo + j];
            next[i * fi + k] = s * g(below.z[i * fi + k], below.h[i * fi + k]);
          }
        }
        dz = next;
      }
    }
    for (let l = 0; l < params.length; l++) {
      const p = params[l], g = grads[l];
      for (let i = 0; i < p.w.length; i++) p.w[i] = p.w[i] - lr * g.dw[i];
      for (let j = 0; j < p.b.length; j++) p.b[j] = p.b[j] - lr * g.db[j];
    }
    this.t += 1;
    return { loss: ce.loss, accuracy: ce.accuracy };
  };

  // p(class 1 | x) at m points (row by row): the colour of the decision map.
  Trainer.prototype.probabilities = function (points, m) {
    const logits = forward(this.params, points, m, this.setup.activation).logits;
    const p = new Float64Array(m);
    for (let i = 0; i < m; i++) p[i] = sigmoid(logits[2 * i + 1] - logits[2 * i]);
    return p;
  };

  // --- the page ----------------------------------------------------------------------------

  const GRID = 72;  // the map is computed on GRID x GRID points and scaled up smoothly

  function rgb(text) {  // "#rrggbb" or "rgb(r, g, b)" -> [r, g, b]
    const t = text.trim();
    if (t[0] === "#") {
      const v = parseInt(t.length === 4 ? t.replace(/#(.)(.)(.)/, "$1$1$2$2$3$3").slice(1)
        : t.slice(1, 7), 16);
      return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
    }
    const m = t.match(/[\d.]+/g) || ["0", "0", "0"];
    return [+m[0], +m[1], +m[2]];
  }

  function Playground(root) {
    this.root = root;
    this.spec = JSON.parse(root.dataset.playground);
    this.setup = Object.assign({}, this.spec.defaults);
    this.map = root.querySelector(".book-playground__map");
    this.curve = root.querySelector(".book-playground__curve");
    this.play = root.querySelector('[data-action="play"]');
    this.playing = false;
    this.speed = +(root.querySelector('[data-control="speed"]') || { value: 5 }).value;
    this.grid = null;
    this.bind();
    this.reset();
    const self = this;
    if (window.ResizeObserver) new ResizeObserver(function () { self.draw(); }).observe(this.map);
    // Material's palette toggle sets data-md-color-scheme on <body>: recolour.
    new MutationObserver(function () { self.draw(); })
      .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  }

  Playground.prototype.bind = function () {
    const self = this, root = this.root;
    root.querySelectorAll("[data-dataset]").forEach(function (b) {
      b.addEventListener("click", function () {
        self.setup.dataset = b.dataset.dataset;
        self.reset();
      });
    });
    root.querySelectorAll("select[data-control]").forEach(function (s) {
      s.addEventListener("change", function () {
        const key = s.dataset.control;
        if (key === "speed") { self.speed = +s.value; return; }
        self.setup[key] = key === "activation" ? s.value : +s.value;
        self.reset();
      });
    });
    root.querySelector('[data-action="play"]').addEventListener("click", function () {
      self.toggle(!self.playing);
    });
    root.querySelector('[data-action="step"]').addEventListener("click", function () {
      self.toggle(false);
      self.advance(1);
      self.draw();
    });
    root.querySelector('[data-action="reset"]').addEventListener("click", function () {
      self.reset();
    });
    root.querySelector('[data-action="reseed"]').addEventListener("click", function () {
      self.setup.seed += 1;
      self.reset();
    });
  };

  // Back to step 0 with the weights the current controls and seed give.
  Playground.prototype.reset = function () {
    this.toggle(false);
    const data = this.spec.data[this.setup.dataset];
    this.trainer = new Trainer(data, this.setup);
    this.losses = [];  // losses[t] for every t before the current step
    this.perfect = null;  // the first step count with every training point right
    this.current = this.trainer.evaluate();
    this.notePerfect(this.current, 0);
    this.grid = this.gridPoints(data.view);
    const root = this.root, setup = this.setup;
    root.querySelectorAll("[data-dataset]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.dataset === setup.dataset));
    });
    root.querySelectorAll("select[data-control]").forEach(function (s) {
      if (s.dataset.control in setup) s.value = String(setup[s.dataset.control]);
    });
    root.querySelector('[data-stat="seed"]').textContent = String(setup.seed);
    this.draw();
  };

  Playground.prototype.notePerfect = function (r, t) {
    if (this.perfect === null && r.accuracy >= 1) this.perfect = t;
  };

  // k steps; each reports the loss and accuracy of the weights it started from, and one more
  // forward pass gives those of the weights shown.
  Playground.prototype.advance = function (k) {
    const max = this.spec.controls.max_steps, tr = this.trainer;
    for (let i = 0; i < k && tr.t < max; i++) {
      const r = tr.step();
      this.losses.push(r.loss);
      this.notePerfect(r, tr.t - 1);
    }
    this.current = tr.evaluate();
    this.notePerfect(this.current, tr.t);
    if (tr.t >= max) this.toggle(false);
  };

  Playground.prototype.toggle = function (on) {
    if (on && this.trainer && this.trainer.t >= this.spec.controls.max_steps) on = false;
    this.playing = on;
    this.play.textContent = on ? this.play.dataset.pause : this.play.dataset.play;
    this.play.setAttribute("aria-pressed", String(on));
    if (on) {
      const self = this;
      const frame = function () {
        if (!self.playing) return;
        self.advance(self.speed);
        self.draw();
        if (self.playing) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    }
  };

  Playground.prototype.gridPoints = function (view) {
    const lo = view[0], hi = view[1], pts = new Float64Array(GRID * GRID * 2);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        const i = r * GRID + c;  // row 0 is the top of the picture: the largest x2
        pts[2 * i] = lo + (hi - lo) * (c + 0.5) / GRID;
        pts[2 * i + 1] = hi - (hi - lo) * (r + 0.5) / GRID;
      }
    }
    return pts;
  };

  Playground.prototype.colors = function () {
    const css = getComputedStyle(this.root);
    return {
      c0: rgb(css.getPropertyValue("--book-pg-class0")),
      c1: rgb(css.getPropertyValue("--book-pg-class1")),
      bg: rgb(css.getPropertyValue("--book-pg-bg")),
      ink: css.getPropertyValue("--book-pg-ink").trim(),
      rim: css.getPropertyValue("--book-pg-rim").trim(),
    };
  };

  Playground.prototype.fit = function (canvas) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    return dpr;
  };

  Playground.prototype.draw = function () {
    const col = this.colors();
    this.drawMap(col);
    this.drawCurve(col);
    this.drawStats();
  };

  Playground.prototype.drawMap = function (col) {
    const canvas = this.map, dpr = this.fit(canvas);
    const ctx = canvas.getContext("2d");
    const p = this.trainer.probabilities(this.grid, GRID * GRID);
    const img = new ImageData(GRID, GRID);
    for (let i = 0; i < p.length; i++) {
      const c = p[i] > 0.5 ? col.c1 : col.c0;
      const a = Math.min(1, Math.abs(2 * p[i] - 1)) * 0.65;
      img.data[4 * i] = col.bg[0] + (c[0] - col.bg[0]) * a;
      img.data[4 * i + 1] = col.bg[1] + (c[1] - col.bg[1]) * a;
      img.data[4 * i + 2] = col.bg[2] + (c[2] - col.bg[2]) * a;
      img.data[4 * i + 3] = 255;
    }
    if (!this.buffer) {
      this.buffer = document.createElement("canvas");
      this.buffer.width = GRID;
      this.buffer.height = GRID;
    }
    this.buffer.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.buffer, 0, 0, canvas.width, canvas.height);
    const data = this.spec.data[this.setup.dataset], lo = data.view[0], hi = data.view[1];
    const sx = canvas.width / (hi - lo), sy = canvas.height / (hi - lo);
    ctx.lineWidth = 1.2 * dpr;
    ctx.strokeStyle = col.rim;
    for (let i = 0; i < data.y.length; i++) {
      const c = data.y[i] === 1 ? col.c1 : col.c0;
      ctx.fillStyle = "rgb(" + c.join(",") + ")";
      ctx.beginPath();
      ctx.arc((data.x[2 * i] - lo) * sx, (hi - data.x[2 * i + 1]) * sy, 3.6 * dpr, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  };

  Playground.prototype.drawCurve = function (col) {
    const canvas = this.curve, dpr = this.fit(canvas);
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const L = this.losses.concat([this.current.loss]), span = Math.max(L.length - 1, 100);
    let top = 0;
    for (let i = 0; i < L.length; i++) top = Math.max(top, L[i]);
    top = top > 0 ? top * 1.05 : 1;
    const pad = 2 * dpr;
    ctx.strokeStyle = col.rim;
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.moveTo(pad, h - pad);
    ctx.lineTo(w - pad, h - pad);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = col.ink;
    ctx.lineWidth = 1.6 * dpr;
    ctx.beginPath();
    const every = Math.max(1, Math.floor(L.length / (w / dpr)));  // about one point per pixel
    for (let i = 0; i < L.length; i += every) {
      const px = pad + (w - 2 * pad) * i / span, py = h - pad - (h - 2 * pad) * L[i] / top;
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    }
    const last = L.length - 1;
    ctx.lineTo(pad + (w - 2 * pad) * last / span, h - pad - (h - 2 * pad) * L[last] / top);
    ctx.stroke();
  };

  function percent(a) {
    const v = a * 100;
    return (Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : v.toFixed(1)) + "%";
  }

  Playground.prototype.drawStats = function () {
    const root = this.root, stat = function (k) { return root.querySelector('[data-stat="' + k + '"]'); };
    stat("steps").textContent = String(this.trainer.t);
    stat("loss").textContent = this.current.loss.toFixed(4);
    stat("accuracy").textContent = percent(this.current.accuracy);
    const perfect = stat("perfect");
    perfect.textContent = this.perfect === null ? perfect.dataset.none
      : perfect.dataset.template.replace("{n}", String(this.perfect));
  };

  // For tests/test_playground.py: the numerics, and each playground on the page.
  window.BookPlayground = {
    mulberry32: mulberry32, initParams: initParams, sizes: sizes, Trainer: Trainer,
    instances: [],
  };

  function start() {
    document.querySelectorAll(".book-playground[data-playground]").forEach(function (el) {
      if (!el.bookPlayground) {
        el.bookPlayground = new Playground(el);
        window.BookPlayground.instances.push(el.bookPlayground);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
