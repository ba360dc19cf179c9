// Draw every Plotly figure embedded as JSON in a <script type="application/json" data-plot="ID">.
function drawPlots(root) {
  (root || document).querySelectorAll('script[data-plot]').forEach(function (el) {
    var target = document.getElementById(el.dataset.plot);
    if (!target || target.dataset.drawn) return;
    var fig = JSON.parse(el.textContent);
    Plotly.newPlot(target, fig.data, fig.layout, {responsive: true, displaylogo: false});
    target.dataset.drawn = '1';
  });
}
document.addEventListener('DOMContentLoaded', function () { drawPlots(document); });
document.addEventListener('htmx:afterSwap', function (e) { drawPlots(e.target); });
