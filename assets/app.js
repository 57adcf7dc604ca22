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
// [data-poll] refreshes a number from a small JSON endpoint (the live sign-in count, the
// notification bell).
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
    var timer;
    function tick() {
      if (!document.body.contains(el)) { clearInterval(timer); return; }
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) { return; }
          el.textContent = String(j[field]);
          if (j.open === false) { clearInterval(timer); }
        })
        .catch(function () {});
    }
    timer = setInterval(tick, Number(el.getAttribute('data-interval') || 3000));
    // [data-poll-now]: also at once (a page rendered without the number, the portal's bell).
    if (el.hasAttribute('data-poll-now')) { tick(); }
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
// [data-export] links (exports) download through fetch, so the page can say what is
// happening: the link shows its data-export text (正在导出…（共 N 人）) and is disabled
// until the file has arrived and is handed to the browser; a refusal shows the server's
// message with its 错误编号 in the [data-export-status] beside the link. Without script
// (or fetch) the link is a plain download.
(function () {
  function fileName(res) {
    var cd = res.headers.get('Content-Disposition') || '';
    var star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ } }
    var plain = /filename="([^"]+)"/i.exec(cd);
    return plain ? plain[1] : 'export.xlsx';
  }
  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }
  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('a[data-export]');
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) { return; }
    if (!window.fetch || !window.URL || !URL.createObjectURL) { return; }
    e.preventDefault();
    if (link.getAttribute('aria-disabled') === 'true') { return; }
    var label = link.textContent;
    var status = link.parentNode && link.parentNode.querySelector('[data-export-status]');
    if (status) { status.textContent = ''; status.classList.remove('error'); }
    link.setAttribute('aria-disabled', 'true');
    link.classList.add('busy');
    link.textContent = link.getAttribute('data-export') || '正在导出…';
    fetch(link.href, { credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) {
          return res.json().catch(function () { return null; }).then(function (j) {
            var err = j && j.error;
            var msg = err && err.message ? err.message : '导出失败（' + res.status + '），请稍后重试';
            if (err && err.correlation_id) { msg += '（错误编号 ' + err.correlation_id + '）'; }
            throw new Error(msg);
          });
        }
        link.textContent = '正在下载…';
        var name = fileName(res);
        return res.blob().then(function (blob) { save(blob, name); });
      })
      .then(function () { if (status) { status.textContent = '已导出，请在浏览器的下载中查看'; } })
      .catch(function (err) {
        if (status) { status.textContent = err.message; status.classList.add('error'); }
      })
      .then(function () {
        link.textContent = label;
        link.removeAttribute('aria-disabled');
        link.classList.remove('busy');
      });
  });
})();
