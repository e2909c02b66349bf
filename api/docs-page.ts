// GET /docs: an interactive API reference in one self-contained page (no CDN, no dependency).
// It reads /openapi.json and renders every operation with its parameters, body schema and
// example, and a "try it" form that sends the request with fetch. Spec text is only ever set
// through textContent, never parsed as HTML.

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; color: #1d2330; display: grid; grid-template-columns: 320px 1fr; height: 100vh; }
nav { border-right: 1px solid #e3e6ec; overflow-y: auto; background: #f7f8fa; padding: 12px 0; }
nav h1 { font-size: 16px; margin: 0 16px 4px; }
nav .version { margin: 0 16px 12px; color: #6b7385; font-size: 12px; }
nav h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #6b7385; margin: 16px 16px 4px; }
nav a { display: flex; gap: 8px; align-items: baseline; padding: 3px 16px; color: inherit; text-decoration: none; font-size: 13px; }
nav a:hover, nav a.active { background: #e8ecf4; }
nav a code { font-size: 12px; word-break: break-all; }
main { overflow-y: auto; padding: 24px 32px 64px; }
.method { display: inline-block; min-width: 44px; font: 600 11px/1.8 ui-monospace, monospace; text-transform: uppercase; text-align: center; border-radius: 4px; color: #fff; padding: 0 4px; }
.get { background: #2f7d4f; } .post { background: #2c5fb8; } .put, .patch { background: #a86b12; } .delete { background: #b33a3a; }
h2.op { display: flex; gap: 10px; align-items: center; font-size: 20px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 20px 0 6px; }
.desc { white-space: pre-wrap; color: #39404f; max-width: 860px; }
table { border-collapse: collapse; width: 100%; max-width: 860px; }
td, th { text-align: left; border-bottom: 1px solid #eceef2; padding: 4px 8px; vertical-align: top; font-size: 13px; }
th { color: #6b7385; font-weight: 500; }
pre { background: #10141c; color: #e6e9ef; padding: 12px; border-radius: 6px; overflow-x: auto; font-size: 12px; max-width: 860px; }
textarea, input, select { font: 12px ui-monospace, monospace; width: 100%; max-width: 860px; padding: 6px; border: 1px solid #cfd4dd; border-radius: 4px; }
textarea { min-height: 160px; }
button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid #2c5fb8; background: #2c5fb8; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #2c5fb8; }
.tree { font: 12px/1.6 ui-monospace, monospace; max-width: 860px; }
.tree .field { padding-left: 16px; border-left: 1px dotted #cfd4dd; }
.tree .name { color: #7a2ea0; } .tree .type { color: #2f7d4f; } .tree .req { color: #b33a3a; font-size: 11px; } .tree .note { color: #6b7385; font-family: system-ui, sans-serif; }
.row { display: flex; gap: 8px; align-items: center; margin: 6px 0; max-width: 860px; }
.row label { min-width: 140px; color: #39404f; font-size: 13px; }
.status { font-weight: 600; }
.auth { background: #fff8e6; border: 1px solid #f0d9a0; border-radius: 6px; padding: 10px 12px; max-width: 860px; }
`;

const SCRIPT = `
(function () {
  var spec, current;
  var main = document.querySelector('main');
  var nav = document.querySelector('nav');

  function h(tag, attrs) {
    var el = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      if (k === 'text') el.textContent = attrs[k];
      else if (k === 'class') el.className = attrs[k];
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
      else el.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child == null || child === false) continue;
      el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return el;
  }
  function resolve(schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      var name = schema.$ref.split('/').pop();
      schema = spec.components && spec.components.schemas ? spec.components.schemas[name] : undefined;
    }
    return schema || {};
  }
  function refName(schema) { return schema && schema.$ref ? schema.$ref.split('/').pop() : ''; }
  function typeOf(schema) {
    var s = resolve(schema);
    if (s.enum) return s.enum.map(function (v) { return JSON.stringify(v); }).join(' | ');
    if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map(typeOf).join(' | ');
    var t = Array.isArray(s.type) ? s.type.join(' | ') : (s.type || 'any');
    if (t === 'array') return typeOf(s.items || {}) + '[]';
    if (s.format) t += ' (' + s.format + ')';
    return (refName(schema) ? refName(schema) + ': ' : '') + t;
  }
  function constraints(s) {
    var out = [];
    ['minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'default'].forEach(function (k) {
      if (s[k] !== undefined) out.push(k + ' ' + JSON.stringify(s[k]));
    });
    if (s.additionalProperties === false) out.push('no other fields');
    return out.join(', ');
  }
  function tree(schema, depth) {
    var s = resolve(schema);
    var box = h('div', { class: 'tree' });
    if (depth > 6) return box;
    if (s.type === 'array' && s.items) return tree(s.items, depth + 1);
    var props = s.properties || {};
    var required = s.required || [];
    Object.keys(props).forEach(function (name) {
      var p = resolve(props[name]);
      var line = h('div', { class: 'field' },
        h('span', { class: 'name', text: name }), ' ',
        h('span', { class: 'type', text: typeOf(props[name]) }), ' ',
        required.indexOf(name) >= 0 ? h('span', { class: 'req', text: 'required' }) : null, ' ',
        h('span', { class: 'note', text: [p.description || '', constraints(p)].filter(Boolean).join(' — ') }));
      if (p.properties || (p.items && resolve(p.items).properties)) line.appendChild(tree(props[name], depth + 1));
      box.appendChild(line);
    });
    return box;
  }
  function exampleOf(schema, depth) {
    var s = resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.examples && s.examples.length) return s.examples[0];
    if (depth > 5) return null;
    if (s.properties) {
      var out = {};
      (s.required || []).forEach(function (k) { out[k] = exampleOf(s.properties[k], depth + 1); });
      return out;
    }
    if (s.enum) return s.enum[0];
    if (s.default !== undefined) return s.default;
    return null;
  }
  function operations() {
    var ops = [];
    Object.keys(spec.paths || {}).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        if (!op || typeof op !== 'object' || !op.responses) return;
        ops.push({ id: method + ' ' + path, method: method, path: path, op: op });
      });
    });
    return ops;
  }
  function renderNav() {
    nav.textContent = '';
    nav.appendChild(h('h1', { text: spec.info.title }));
    nav.appendChild(h('div', { class: 'version', text: 'version ' + spec.info.version + ' · OpenAPI ' + spec.openapi }));
    nav.appendChild(h('a', { href: '#overview', text: 'Overview' }));
    var groups = {};
    operations().forEach(function (o) {
      var tag = (o.op.tags && o.op.tags[0]) || 'Other';
      (groups[tag] = groups[tag] || []).push(o);
    });
    Object.keys(groups).forEach(function (tag) {
      nav.appendChild(h('h2', { text: tag }));
      groups[tag].forEach(function (o) {
        nav.appendChild(h('a', { href: '#' + encodeURIComponent(o.id), 'data-id': o.id },
          h('span', { class: 'method ' + o.method, text: o.method }), h('code', { text: o.path })));
      });
    });
    nav.appendChild(h('h2', { text: 'Schemas' }));
    Object.keys((spec.components && spec.components.schemas) || {}).forEach(function (name) {
      nav.appendChild(h('a', { href: '#schema:' + name, text: name }));
    });
  }
  function authBox() {
    var input = h('input', { type: 'password', placeholder: 'sk_… platform key, pt_… party token, or the ops key', value: sessionStorage.getItem('token') || '' });
    input.addEventListener('input', function () { sessionStorage.setItem('token', input.value); });
    return h('div', { class: 'auth' }, h('div', { class: 'row' }, h('label', { text: 'Bearer credential' }), input));
  }
  function renderOverview() {
    main.textContent = '';
    main.appendChild(h('h2', { class: 'op', text: spec.info.title }));
    main.appendChild(h('p', { class: 'desc', text: spec.info.description || '' }));
    main.appendChild(authBox());
    main.appendChild(h('p', { class: 'desc', text: 'Pick an operation on the left. The credential above is kept for this browser tab only and sent with every "Send".' }));
  }
  function renderSchema(name) {
    main.textContent = '';
    var schema = spec.components.schemas[name];
    main.appendChild(h('h2', { class: 'op', text: name }));
    if (schema.description) main.appendChild(h('p', { class: 'desc', text: schema.description }));
    main.appendChild(tree(schema, 0));
    var ex = exampleOf(schema, 0);
    if (ex !== null) { main.appendChild(h('h3', { text: 'Example' })); main.appendChild(h('pre', { text: JSON.stringify(ex, null, 2) })); }
  }
  function renderOperation(o) {
    current = o;
    main.textContent = '';
    var op = o.op;
    main.appendChild(h('h2', { class: 'op' }, h('span', { class: 'method ' + o.method, text: o.method }), h('code', { text: o.path })));
    main.appendChild(h('p', { class: 'desc', text: [op.summary, op.description].filter(Boolean).join('\\n\\n') }));
    if (op.security && op.security.length) main.appendChild(authBox());
    var params = op.parameters || [];
    var inputs = {};
    if (params.length) {
      main.appendChild(h('h3', { text: 'Parameters' }));
      var table = h('table', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'In' }), h('th', { text: 'Type' }), h('th', { text: 'Value' })));
      params.forEach(function (p) {
        var s = resolve(p.schema || {});
        var input = h('input', { placeholder: p.description || '', value: '' });
        if (p.name === 'Idempotency-Key') input.value = crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
        else if (s.example !== undefined && p.in === 'path') input.value = String(s.example);
        inputs[p.in + ':' + p.name] = { param: p, input: input };
        table.appendChild(h('tr', {}, h('td', {}, h('code', { text: p.name }), p.required ? h('span', { class: 'req', text: ' *' }) : null),
          h('td', { text: p.in }), h('td', { text: typeOf(p.schema || {}) + (constraints(s) ? ' — ' + constraints(s) : '') }), h('td', {}, input)));
      });
      main.appendChild(table);
    }
    var bodyArea = null;
    var media = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    if (media) {
      main.appendChild(h('h3', { text: 'Request body' + (op.requestBody.required ? ' (required)' : ' (optional)') + (refName(media.schema) ? ': ' + refName(media.schema) : '') }));
      main.appendChild(tree(media.schema, 0));
      var ex = media.example !== undefined ? media.example : exampleOf(media.schema, 0);
      main.appendChild(h('h3', { text: 'Example (edit and send)' }));
      bodyArea = h('textarea', { spellcheck: 'false' });
      bodyArea.value = JSON.stringify(ex, null, 2);
      main.appendChild(bodyArea);
    }
    main.appendChild(h('h3', { text: 'Responses' }));
    var rt = h('table', {}, h('tr', {}, h('th', { text: 'Status' }), h('th', { text: 'Meaning' }), h('th', { text: 'Body' })));
    Object.keys(op.responses).forEach(function (code) {
      var r = op.responses[code];
      var content = r.content ? Object.keys(r.content)[0] : '';
      rt.appendChild(h('tr', {}, h('td', { text: code }), h('td', { text: r.description || '' }),
        h('td', { text: content ? content + ' ' + typeOf(r.content[content].schema || {}) : '' })));
    });
    main.appendChild(rt);
    var out = h('div');
    main.appendChild(h('h3', { text: 'Try it' }));
    main.appendChild(h('div', { class: 'row' }, h('button', { text: 'Send', onclick: function () { send(o, inputs, bodyArea, out); } })));
    main.appendChild(out);
  }
  function send(o, inputs, bodyArea, out) {
    out.textContent = 'Sending…';
    var path = o.path;
    var query = new URLSearchParams();
    var headers = {};
    Object.keys(inputs).forEach(function (k) {
      var p = inputs[k].param, v = inputs[k].input.value;
      if (v === '') return;
      if (p.in === 'path') path = path.replace('{' + p.name + '}', encodeURIComponent(v));
      else if (p.in === 'query') query.set(p.name, v);
      else if (p.in === 'header') headers[p.name] = v;
    });
    var token = sessionStorage.getItem('token');
    if (token) headers['Authorization'] = 'Bearer ' + token;
    var init = { method: o.method.toUpperCase(), headers: headers };
    if (bodyArea && bodyArea.value.trim() !== '') { headers['Content-Type'] = 'application/json'; init.body = bodyArea.value; }
    var url = path + (query.toString() ? '?' + query : '');
    var started = performance.now();
    fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
        var hs = [];
        res.headers.forEach(function (v, k) { hs.push(k + ': ' + v); });
        out.textContent = '';
        out.appendChild(h('p', {}, h('span', { class: 'status', text: res.status + ' ' + res.statusText }), ' · ' + Math.round(performance.now() - started) + ' ms · ' + init.method + ' ' + url));
        out.appendChild(h('pre', { text: hs.join('\\n') }));
        out.appendChild(h('pre', { text: shown }));
      });
    }).catch(function (e) { out.textContent = 'Request failed: ' + e; });
  }
  function route() {
    var hash = decodeURIComponent(location.hash.slice(1));
    nav.querySelectorAll('a').forEach(function (a) { a.classList.toggle('active', a.getAttribute('data-id') === hash); });
    if (hash.indexOf('schema:') === 0 && spec.components.schemas[hash.slice(7)]) return renderSchema(hash.slice(7));
    var o = operations().filter(function (x) { return x.id === hash; })[0];
    if (o) renderOperation(o); else renderOverview();
  }
  fetch('/openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
    spec = doc;
    renderNav();
    route();
    window.addEventListener('hashchange', route);
  }).catch(function (e) { main.textContent = 'Could not load /openapi.json: ' + e; });
})();
`;

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Escrow Engine API reference</title>
<style>${STYLE}</style>
</head>
<body>
<nav aria-label="Operations"></nav>
<main><p>Loading the API description…</p></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
