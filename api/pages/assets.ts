// The pages' stylesheet and their one script, served from here (the CSP allows 'self' only).
// The script is progressive enhancement: without it each countdown shows what was left when
// the page was rendered.

export const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
header,main,footer{max-width:860px;margin:0 auto;padding:0 16px}
header{display:flex;justify-content:space-between;align-items:center;gap:12px;padding-top:16px;flex-wrap:wrap}
h1{font-size:1.5rem;margin:8px 0}
h2{font-size:1.15rem;margin:0 0 12px}
section{background:#fff;border:1px solid #d6d9de;border-radius:8px;padding:16px;margin:16px 0}
.status{font-size:1.2rem;font-weight:600}
.muted{color:#4a5059}
.flash{padding:12px 16px;border-radius:8px;margin:16px 0;font-weight:500}
.flash-ok{background:#e6f4ea;border:1px solid #1e7b34;color:#0f4d1f}
.flash-error{background:#fdecea;border:1px solid #b3261e;color:#7a1610}
dl.money{display:grid;grid-template-columns:1fr auto;gap:4px 16px;margin:0}
dl.money dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e5e8;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.deadline{margin:0 0 12px}
.countdown{font-weight:600;color:#8a4b00}
ul.deadlines,ol.timeline{padding-left:20px;margin:0}
form{border-top:1px solid #e3e5e8;padding:12px 0}
form:first-of-type{border-top:0}
label{display:block;font-weight:500;margin:8px 0 4px}
fieldset{border:1px solid #d6d9de;border-radius:6px;margin:8px 0;padding:8px 12px}
legend{font-weight:500}
fieldset label{font-weight:400;margin:2px 0}
input[type=text],select,textarea{width:100%;max-width:480px;padding:8px;border:1px solid #767c85;border-radius:6px;font:inherit}
textarea{min-height:80px}
button{display:block;margin-top:12px;padding:10px 16px;border:0;border-radius:6px;background:#0b57d0;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
a{color:#0b57d0}
nav.lang a[aria-current]{font-weight:700;text-decoration:none;color:#1a1a1a}
.help{margin:4px 0;color:#4a5059;font-size:.95rem}
footer{padding-bottom:24px;font-size:.9rem}
`;

export const COUNTDOWN_JS = `(function () {
  var units = {
    vi: [[86400, 'ngày'], [3600, 'giờ'], [60, 'phút'], [1, 'giây']],
    en: [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']],
  };
  function left(at, lang, passed) {
    var s = Math.floor((Date.parse(at) - Date.now()) / 1000);
    if (!(s > 0)) return passed;
    var parts = [];
    var list = units[lang] || units.vi;
    for (var i = 0; i < list.length && parts.length < 2; i++) {
      var n = Math.floor(s / list[i][0]);
      if (n > 0 || parts.length > 0) parts.push(n + ' ' + list[i][1]);
      s -= n * list[i][0];
    }
    return parts.join(' ');
  }
  function tick() {
    var nodes = document.querySelectorAll('[data-countdown]');
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      el.textContent = left(el.getAttribute('data-countdown'), el.getAttribute('data-lang'), el.getAttribute('data-passed'));
    }
  }
  tick();
  setInterval(tick, 1000);
})();
`;
