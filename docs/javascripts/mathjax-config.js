// MathJax 3 reads this before it loads; arithmatex wraps math in .arithmatex spans.
window.MathJax = {
  loader: { load: ["core", "input/tex", "output/chtml"] },
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" },
};
// Material's instant navigation swaps pages without reloading: typeset again each time.
if (typeof document$ !== "undefined") {
  document$.subscribe(() => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      // After MathJax's own first pass (and any package it autoloads, e.g. \boldsymbol).
      MathJax.startup.promise = MathJax.startup.promise.then(() => {
        MathJax.startup.output.clearCache(); MathJax.typesetClear(); MathJax.texReset();
        return MathJax.typesetPromise();
      });
    }
  });
}
