// MathJax 3 reads this before it loads; arithmatex wraps math in .arithmatex spans.
// MathJax typesets the page once on load. The site reloads pages (Material's instant
// navigation is off), so nothing re-typesets: a second pass that cleared the output cache
// dropped the CHTML glyph styles and left every formula blank.
window.MathJax = {
  loader: { load: ["core", "input/tex", "output/chtml"] },
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" },
};
