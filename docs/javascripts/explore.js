/* Explorable figures (gdsc_book/figures/explorables.py): every <div class="book-interactive">
   names its figure record; when it scrolls near, the record is fetched (same site, no network
   beyond it) and the state the reader picks is drawn as SVG. Every number drawn or written
   here is one of the record's; this file only chooses among them and formats them.
   Plain SVG: five line charts need axes, lines and dots, which a charting library would bring
   at tens of kB per page; SVG text takes the page's font (Hangul included) and the theme's
   colours from CSS, and each chart is redrawn at its box's width (a 390 px phone too). */
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  let clipCount = 0;

  function el(tag, attrs, parent, svg) {
    const e = svg ? document.createElementNS(NS, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    if (parent) parent.appendChild(e);
    return e;
  }
  const s = (tag, attrs, parent) => el(tag, attrs, parent, true);

  // --- numbers as the reader reads them ------------------------------------------------------
  function fmt(v, digits) {
    digits = digits || 3;
    if (v === null || v === undefined) return "–";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
    return v.toExponential(digits - 1).replace("e+", "e");
  }
  const pct = (v) => (v * 100).toFixed(1) + "%";
  const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  const pow10 = (e) => (e === 0 ? "1" : e === 1 ? "10" : "10" + String(e).split("").map((c) => SUP[c]).join(""));
  const tmpl = (t, vars) => t.replace(/\{(\w+)\}/g, (_, k) => vars[k]);

  // --- a chart: axes, ticks, clipped lines -----------------------------------------------------
  function niceTicks(lo, hi, n) {
    const span = hi - lo, raw = span / (n || 5), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((m) => m >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }

  function chart(slot, o) {
    const width = Math.max(240, Math.floor(slot.clientWidth || 320));
    const height = o.square ? Math.min(width, 340) : width < 420 ? 220 : 250;
    const m = { l: 54, r: 12, t: 26, b: 42 };
    slot.textContent = "";
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
                           "aria-label": o.title || "" }, slot);
    let iw = width - m.l - m.r, ih = height - m.t - m.b;
    if (o.square) {  // equal scales on both axes (a 2-D parameter plane)
      const side = Math.min(iw, ih);
      m.l += (iw - side) / 2; iw = ih = side;
    }
    const tx = (v) => (o.xlog ? Math.log10(v) : v), ty = (v) => (o.ylog ? Math.log10(v) : v);
    const [x0, x1] = o.x.map(tx), [y0, y1] = o.y.map(ty);
    const X = (v) => m.l + ((tx(v) - x0) / (x1 - x0)) * iw;
    const Y = (v) => m.t + ih - ((ty(v) - y0) / (y1 - y0)) * ih;
    const ok = (x, y) => isFinite(tx(x)) && isFinite(ty(y)) && (!o.xlog || x > 0) && (!o.ylog || y > 0);
    const id = "bi-clip-" + ++clipCount;
    s("rect", { x: m.l, y: m.t, width: iw, height: ih }, s("clipPath", { id }, s("defs", {}, svg)));
    const axes = s("g", { class: "bi-axes" }, svg);
    s("rect", { x: m.l, y: m.t, width: iw, height: ih, class: "bi-frame" }, axes);
    const ticks = (which) => {
      const given = which === "x" ? o.xticks : o.yticks;
      if (given) return given;
      const log = which === "x" ? o.xlog : o.ylog, [lo, hi] = which === "x" ? o.x : o.y;
      if (log) {
        const out = [], e0 = Math.ceil(Math.log10(lo) - 1e-9), e1 = Math.floor(Math.log10(hi) + 1e-9);
        const every = Math.max(1, Math.ceil((e1 - e0) / 6));  // at most about seven labels
        for (let e = e0; e <= e1; e++) if ((e - e0) % every === 0) out.push({ v: Math.pow(10, e), label: pow10(e) });
        return out;
      }
      return niceTicks(lo, hi, which === "x" ? (iw < 260 ? 4 : 6) : 5).map((v) => ({ v, label: (o.yfmt && which === "y" ? o.yfmt : fmt)(v) }));
    };
    for (const t of ticks("x")) {
      const x = X(t.v);
      s("line", { x1: x, x2: x, y1: m.t, y2: m.t + ih, class: "bi-grid" }, axes);
      s("text", { x, y: m.t + ih + 15, "text-anchor": "middle", class: "bi-tick", text: t.label }, axes);
    }
    for (const t of ticks("y")) {
      const y = Y(t.v);
      s("line", { x1: m.l, x2: m.l + iw, y1: y, y2: y, class: "bi-grid" }, axes);
      s("text", { x: m.l - 5, y: y + 4, "text-anchor": "end", class: "bi-tick", text: t.label }, axes);
    }
    if (o.xlabel) s("text", { x: m.l + iw / 2, y: height - 6, "text-anchor": "middle", class: "bi-label", text: o.xlabel }, axes);
    const ly = m.l - 42;  // beside the tick labels, also when a square plot is centred
    if (o.ylabel) s("text", { x: ly, y: m.t + ih / 2, "text-anchor": "middle", class: "bi-label",
                              transform: `rotate(-90 ${ly} ${m.t + ih / 2})`, text: o.ylabel }, axes);
    if (o.title) s("text", { x: m.l + iw / 2, y: 16, "text-anchor": "middle", class: "bi-title", text: o.title }, axes);
    const plot = s("g", { "clip-path": `url(#${id})` }, svg);
    return {
      svg, X, Y,
      line(xs, ys, cls) {
        let d = "", pen = false;
        for (let i = 0; i < xs.length; i++) {
          if (xs[i] === null || ys[i] === null || !ok(xs[i], ys[i])) { pen = false; continue; }
          const px = X(xs[i]), py = Math.max(-1e4, Math.min(1e4, Y(ys[i])));
          d += (pen ? "L" : "M") + px.toFixed(1) + " " + py.toFixed(1);
          pen = true;
        }
        return s("path", { d, class: "bi-line " + (cls || "") }, plot);
      },
      dot(x, y, cls, r) {
        if (x === null || y === null || !ok(x, y)) return null;
        return s("circle", { cx: X(x), cy: Y(y), r: r || 3, class: "bi-dot " + (cls || "") }, plot);
      },
      vline(x, cls) {
        return s("line", { x1: X(x), x2: X(x), y1: m.t, y2: m.t + ih, class: "bi-vline " + (cls || "") }, plot);
      },
      legend(items) {  // under the chart, in HTML: it wraps on a phone and covers no data
        const g = el("div", { class: "bi-legend" }, slot);
        for (const [cls, name, dot] of items) {
          const item = el("span", { class: "bi-legend__item" }, g);
          const sw = s("svg", { width: 18, height: 10, "aria-hidden": "true" }, item);
          if (dot) s("circle", { cx: 9, cy: 5, r: 3, class: "bi-dot " + cls }, sw);
          else s("line", { x1: 0, x2: 18, y1: 5, y2: 5, class: "bi-line " + cls }, sw);
          el("span", { text: name }, item);
        }
        return g;
      },
    };
  }

  const range = (lo, hi, pad) => { const p = (hi - lo) * (pad || 0.06); return [lo - p, hi + p]; };
  const min = (a) => Math.min(...a.filter((v) => v !== null)), max = (a) => Math.max(...a.filter((v) => v !== null));

  // --- the frame every explorable shares: controls, two chart slots, the readout -------------
  function frame(root) {
    const stage = root.querySelector(".book-interactive__stage");
    stage.textContent = "";
    const controls = el("div", { class: "book-interactive__controls" }, stage);
    const charts = el("div", { class: "book-interactive__charts" }, stage);
    const slots = [el("div", { class: "book-interactive__chart" }, charts),
                   el("div", { class: "book-interactive__chart" }, charts)];
    const readout = el("dl", { class: "book-interactive__readout" }, stage);
    return { controls, slots, readout };
  }

  function slider(parent, label, n, value, show, onInput, name) {
    const wrap = el("label", { class: "book-interactive__slider" }, parent);
    el("span", { class: "book-interactive__name", text: label }, wrap);
    const input = el("input", { type: "range", min: 0, max: n - 1, step: 1, value, "data-control": name }, wrap);
    const out = el("output", { text: show(value) }, wrap);
    input.addEventListener("input", () => { out.textContent = show(+input.value); onInput(+input.value); });
    return input;
  }

  function buttons(parent, label, names, value, onPick, name) {
    const wrap = el("div", { class: "book-interactive__buttons", role: "group", "aria-label": label, "data-control": name }, parent);
    el("span", { class: "book-interactive__name", text: label }, wrap);
    const all = names.map((t, i) => {
      const b = el("button", { type: "button", "aria-pressed": String(i === value), "data-index": i, text: t }, wrap);
      b.addEventListener("click", () => {
        all.forEach((o, j) => o.setAttribute("aria-pressed", String(j === i)));
        onPick(i);
      });
      return b;
    });
  }

  function readout(dl, items) {
    dl.textContent = "";
    for (const [key, label, text] of items) {
      const d = el("div", {}, dl);
      el("dt", { text: label }, d);
      el("dd", { "data-key": key, text }, d);
    }
  }

  // --- the five figures ----------------------------------------------------------------------
  const KINDS = {};

  KINDS.width = (root, n, L) => {
    const f = frame(root);
    const st = { i: Math.min(3, n.widths.length - 1) };
    const ylim = range(min(n.target), max(n.target), 0.12);
    const draw = () => {
      const i = st.i, w = n.widths[i];
      const a = chart(f.slots[0], { x: [-1, 1], y: ylim, xlabel: "x", title: tmpl(L.title_fit, { w }) });
      a.line(n.x, n.target, "bi-target");
      a.line(n.x, n.fits[i], "bi-c0");
      a.legend([["bi-target", L.target], ["bi-c0", L.fit]]);
      const b = chart(f.slots[1], { x: [n.widths[0] / 1.4, n.widths[n.widths.length - 1] * 1.4], xlog: true,
                                    y: [min(n.max_error) / 2, max(n.max_error) * 2], ylog: true,
                                    xticks: n.widths.map((v) => ({ v, label: String(v) })),
                                    xlabel: L.control, ylabel: L.error, title: L.title_error });
      b.line(n.widths, n.max_error, "bi-c0");
      n.widths.forEach((v, j) => b.dot(v, n.max_error[j], "bi-c0"));
      b.dot(w, n.max_error[i], "bi-c1 bi-chosen", 6);
      readout(f.readout, [["width", L.control, String(w)], ["max_error", L.error, fmt(n.max_error[i])],
                          ["pieces", L.pieces, String(n.pieces[i])]]);
    };
    slider(f.controls, L.control, n.widths.length, st.i, (i) => String(n.widths[i]), (i) => { st.i = i; draw(); }, "width");
    return draw;
  };

  KINDS.bias_variance = (root, n, L) => {
    const f = frame(root);
    const st = { d: 3, k: 0 };
    const draw = () => {
      const S = n.states[st.k], d = st.d;
      const a = chart(f.slots[0], { x: [0, 1], y: [-1.8, 1.8], xlabel: "x",
                                    title: tmpl(L.title_fit, { d: n.degrees[d], n: S.n }) });
      S.shown[d].forEach((fit) => a.line(n.x, fit, "bi-c0 bi-faint"));
      a.line(n.x, n.truth, "bi-target bi-dashed");
      a.line(n.x, S.mean_fit[d], "bi-c1 bi-thick");
      a.legend([["bi-c0", L.fits], ["bi-c1", L.mean]]);
      const all = [].concat(S.bias2, S.variance, S.total).filter((v) => v > 0);
      const b = chart(f.slots[1], { x: [-0.5, n.degrees[n.degrees.length - 1] + 0.5], y: [min(all) / 2, max(all) * 2],
                                    ylog: true, xlabel: L.control, title: L.title_error });
      b.vline(n.degrees[d], "bi-chosen-line");
      b.line(n.degrees, S.bias2, "bi-c0");
      b.line(n.degrees, S.variance, "bi-c1");
      b.line(n.degrees, S.total, "bi-c2 bi-thick");
      n.degrees.forEach((v, j) => b.dot(v, S.expected_error[j], "bi-ink", 2.5));
      b.legend([["bi-c0", L.bias2], ["bi-c1", L.variance], ["bi-c2", L.total], ["bi-ink", L.measured, true]]);
      readout(f.readout, [["degree", L.control, String(n.degrees[d])], ["bias2", L.bias2, fmt(S.bias2[d])],
                          ["variance", L.variance, fmt(S.variance[d])], ["noise", L.noise, fmt(S.noise[d])],
                          ["total", L.total, fmt(S.total[d])], ["expected_error", L.measured, fmt(S.expected_error[d])]]);
    };
    slider(f.controls, L.control, n.degrees.length, st.d, (i) => String(n.degrees[i]), (i) => { st.d = i; draw(); }, "degree");
    buttons(f.controls, L.size, n.sizes.map(String), st.k, (k) => { st.k = k; draw(); }, "size");
    return draw;
  };

  const lam = (v) => (v === 0 ? "0" : fmt(v, 3));

  KINDS.ridge = (root, n, L) => {
    const f = frame(root);
    const st = { i: 0 };
    const idx = n.lambdas.map((_, i) => i);
    const ticks = idx.filter((i) => n.lambdas[i] === 0 || Math.abs(Math.log10(n.lambdas[i]) % 2) < 1e-9)
      .map((i) => ({ v: i, label: n.lambdas[i] === 0 ? "0" : pow10(Math.round(Math.log10(n.lambdas[i]))) }));
    const draw = () => {
      const i = st.i;
      const a = chart(f.slots[0], { x: [0, 1], y: [-1.8, 1.8], xlabel: "x", title: tmpl(L.title_fit, { d: n.degree, l: lam(n.lambdas[i]) }) });
      a.line(n.x, n.truth, "bi-target bi-dashed");
      a.line(n.x, n.fits[i], "bi-c0 bi-thick");
      n.x_train.forEach((x, j) => a.dot(x, n.y_train[j], "bi-c1", 3.5));
      a.legend([["bi-target bi-dashed", L.truth], ["bi-c0", L.fit], ["bi-c1", L.data, true]]);
      // Below 10⁻⁶ the training error is an exact fit up to rounding (10⁻²⁹ at λ = 0): the
      // axis stops there and the readout gives the value.
      const all = [].concat(n.train_mse, n.test_mse).filter((v) => v > 0);
      const b = chart(f.slots[1], { x: [-0.5, idx.length - 0.5], y: [Math.max(min(all) / 2, 1e-6), max(all) * 2], ylog: true,
                                    xticks: ticks, xlabel: L.control, title: L.title_error });
      b.vline(i, "bi-chosen-line");
      b.line(idx, n.train_mse, "bi-c0");
      b.line(idx, n.test_mse, "bi-c1");
      b.dot(i, n.train_mse[i], "bi-c0 bi-chosen", 5);
      b.dot(i, n.test_mse[i], "bi-c1 bi-chosen", 5);
      b.legend([["bi-c0", L.train], ["bi-c1", L.test]]);
      readout(f.readout, [["lambda", L.control, lam(n.lambdas[i])], ["train_mse", L.train, fmt(n.train_mse[i])],
                          ["test_mse", L.test, fmt(n.test_mse[i])], ["norm", L.norm, fmt(n.norm[i])]]);
    };
    slider(f.controls, L.control, n.lambdas.length, st.i, (i) => lam(n.lambdas[i]), (i) => { st.i = i; draw(); }, "lambda");
    return draw;
  };

  KINDS.double_descent = (root, n, L) => {
    const f = frame(root);
    const st = { w: n.widths.indexOf(32) >= 0 ? n.widths.indexOf(32) : 0, e: n.epochs - 1 };
    const ep = n.test[0].map((_, j) => j + 1);
    const draw = () => {
      const w = st.w, e = st.e;
      const a = chart(f.slots[0], { x: [n.widths[0] / 1.3, n.widths[n.widths.length - 1] * 1.3], xlog: true, y: [0, 0.7],
                                    xticks: n.widths.filter((_, j) => j % 2 === 0).map((v) => ({ v, label: String(v) })),
                                    yfmt: (v) => Math.round(v * 100) + "%", xlabel: L.width, title: tmpl(L.title_width, { e: e + 1 }) });
      a.vline(n.threshold_nk_width, "bi-dashed bi-ink");
      a.vline(n.widths[w], "bi-chosen-line");
      a.line(n.widths, n.train.map((c) => c[e]), "bi-c0 bi-dashed");
      a.line(n.widths, n.test.map((c) => c[e]), "bi-c1 bi-thick");
      a.dot(n.widths[w], n.test[w][e], "bi-c1 bi-chosen", 5);
      a.legend([["bi-c0 bi-dashed", L.train], ["bi-c1", L.test], ["bi-dashed bi-ink", L.threshold]]);
      const b = chart(f.slots[1], { x: [1, n.epochs], xlog: true, y: [0, 0.7], yfmt: (v) => Math.round(v * 100) + "%",
                                    xlabel: L.epoch, title: tmpl(L.title_epoch, { w: n.widths[w] }) });
      b.vline(e + 1, "bi-chosen-line");
      b.line(ep, n.train[w], "bi-c0 bi-dashed");
      b.line(ep, n.test[w], "bi-c1");
      b.dot(e + 1, n.test[w][e], "bi-c1 bi-chosen", 5);
      readout(f.readout, [["width", L.width, String(n.widths[w])], ["params", L.params, n.params[w].toLocaleString("en-US")],
                          ["epoch", L.epoch, String(e + 1)], ["train", L.train, pct(n.train[w][e])],
                          ["test", L.test, pct(n.test[w][e])]]);
    };
    slider(f.controls, L.width, n.widths.length, st.w, (i) => String(n.widths[i]), (i) => { st.w = i; draw(); }, "width");
    slider(f.controls, L.epoch, n.epochs, st.e, (i) => String(i + 1), (i) => { st.e = i; draw(); }, "epoch");
    return draw;
  };

  KINDS.sgd = (root, n, L) => {
    const f = frame(root);
    const nb = n.batches.length;
    const st = { lr: n.lrs.indexOf(0.05) >= 0 ? n.lrs.indexOf(0.05) : 0, b: 0 };
    const bname = (b) => (b === null ? L.full : String(b));
    const draw = () => {
      const S = n.states[st.lr * nb + st.b];
      const c = n.star, h = n.half;
      const a = chart(f.slots[0], { x: [c[0] - h, c[0] + h], y: [c[1] - h, c[1] + h], square: true,
                                    xlabel: L.w, ylabel: L.b, title: tmpl(L.title_path, { lr: S.lr, b: bname(S.batch) }) });
      n.contours.forEach((level) => level.forEach((pts) => a.line(pts.map((p) => p[0]), pts.map((p) => p[1]), "bi-contour")));
      a.line(S.path.map((p) => p[0]), S.path.map((p) => p[1]), "bi-c0");
      S.path.forEach((p) => a.dot(p[0], p[1], "bi-c0", 1.8));
      a.dot(n.start[0], n.start[1], "bi-ink", 4);
      a.dot(c[0], c[1], "bi-c1", 5);
      a.legend([["bi-c0", L.path], ["bi-ink", L.start, true], ["bi-c1", L.minimum, true]]);
      const steps = S.excess.map((_, t) => t);
      // Fixed axes for every state, so moving a control moves the curve, not the axes; GD's
      // loss falls below the bottom and a diverging run leaves through the top.
      const b = chart(f.slots[1], { x: [0, n.steps], y: [1e-5, 1e5], ylog: true,
                                    xlabel: L.step, title: L.title_loss });
      b.line(steps, S.excess, "bi-c0");
      const items = [["lr", L.lr, String(S.lr)], ["batch", L.batch, bname(S.batch)]];
      if (S.diverged !== null) items.push(["diverged", "", tmpl(L.diverged, { t: S.diverged })]);
      else items.push(["final_loss", tmpl(L.final_loss, { t: n.steps }), fmt(S.final_loss, 4)],
                      ["distance", L.distance, fmt(S.distance)]);
      readout(f.readout, items);
    };
    slider(f.controls, L.lr, n.lrs.length, st.lr, (i) => String(n.lrs[i]), (i) => { st.lr = i; draw(); }, "lr");
    buttons(f.controls, L.batch, n.batches.map(bname), st.b, (k) => { st.b = k; draw(); }, "batch");
    return draw;
  };

  // --- loading -------------------------------------------------------------------------------
  function start(root) {
    if (root.dataset.state) return;
    root.dataset.state = "loading";
    fetch(root.dataset.record)
      .then((r) => { if (!r.ok) throw new Error(`${root.dataset.record}: HTTP ${r.status}`); return r.json(); })
      .then((rec) => {
        const n = rec.numbers, kind = KINDS[n.kind];
        if (!kind) throw new Error(`no explorable kind ${n.kind}`);
        const lang = document.documentElement.lang === "ko" ? "ko" : "en";
        const draw = kind(root, n, n.labels[lang]);
        draw();
        let width = root.clientWidth;
        new ResizeObserver(() => { if (root.clientWidth !== width) { width = root.clientWidth; draw(); } }).observe(root);
        root.dataset.state = "ready";
      })
      .catch((err) => {
        root.dataset.state = "failed";
        console.error("explorable figure", root.dataset.name, err);
      });
  }

  function init() {
    const all = document.querySelectorAll(".book-interactive[data-record]");
    if (!("IntersectionObserver" in window)) { all.forEach(start); return; }
    const io = new IntersectionObserver((entries) => entries.forEach((e) => {
      if (e.isIntersecting) { io.unobserve(e.target); start(e.target); }
    }), { rootMargin: "600px 0px" });
    all.forEach((r) => io.observe(r));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
