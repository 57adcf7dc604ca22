// 锋领 Vanguard: the little script the pages need (the CSP forbids inline scripts).
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener('htmx:configRequest', function (e) {
    if (meta) { e.detail.headers['X-CSRF-Token'] = meta.content; }
  });
  // Charts: any element with data-chart holds its ECharts option as JSON.
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll('[data-chart]').forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = '1';
      var chart = window.echarts.init(el);
      chart.setOption(JSON.parse(el.dataset.chart));
      window.addEventListener('resize', function () { chart.resize(); });
    });
  }
  document.addEventListener('DOMContentLoaded', function () { drawCharts(document); });
  document.addEventListener('htmx:afterSwap', function (e) { drawCharts(e.target); });
  // Confirm before destructive form submissions.
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);
})();
// Page patterns: a button sets every select of its form (全部出席); [data-print] prints;
// [data-poll] refreshes a number from a small JSON endpoint (the live sign-in count).
(function () {
  document.addEventListener('click', function (e) {
    var all = e.target.closest && e.target.closest('[data-set-all]');
    if (all) {
      var form = all.closest('form');
      var value = all.getAttribute('data-set-all');
      form.querySelectorAll('select').forEach(function (s) {
        if (s.querySelector('option[value="' + value + '"]')) { s.value = value; }
      });
    }
    if (e.target.closest && e.target.closest('[data-print]')) { window.print(); }
  });
  function poll(el) {
    var url = el.getAttribute('data-poll');
    var field = el.getAttribute('data-field');
    var timer = setInterval(function () {
      if (!document.body.contains(el)) { clearInterval(timer); return; }
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) { return; }
          el.textContent = String(j[field]);
          if (j.open === false) { clearInterval(timer); }
        })
        .catch(function () {});
    }, Number(el.getAttribute('data-interval') || 3000));
  }
  function start(root) { root.querySelectorAll('[data-poll]').forEach(poll); }
  document.addEventListener('DOMContentLoaded', function () { start(document); });
  document.addEventListener('htmx:afterSwap', function (e) { start(e.target); });
})();
// The org picker (templates/org/picker.html): Enter in its search box searches instead of
// submitting the form around it.
(function () {
  document.addEventListener('keydown', function (e) {
    var box = e.key === 'Enter' && e.target.closest && e.target.closest('[data-picker-search]');
    if (box) {
      e.preventDefault();
      box.dispatchEvent(new Event('picker-search'));
    }
  });
})();
