import { createHash } from 'node:crypto';

/*
 * The web chat widget: one self-contained page, no external assets. The script
 * and style are fixed text, so the CSP allows them by hash; the channel's title
 * and welcome go into the HTML escaped, never into the script.
 */

const STYLE = `
*{box-sizing:border-box}
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:15px/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1d1f23}
header{padding:12px 16px;background:#1f4e79;color:#fff;font-weight:600}
#log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;margin:0;list-style:none}
#log li{max-width:80%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}
#log li.business{align-self:flex-start;background:#fff;border:1px solid #dde1e6}
#log li.visitor{align-self:flex-end;background:#1f4e79;color:#fff}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #dde1e6;background:#fff}
#text{flex:1;padding:8px 10px;border:1px solid #c4cad3;border-radius:8px;font:inherit}
button{padding:8px 14px;border:0;border-radius:8px;background:#1f4e79;color:#fff;font:inherit;cursor:pointer}
#status{min-height:1.2em;padding:0 12px;font-size:12px;color:#9b1c1c}
`;

const SCRIPT = `
(function () {
  var base = location.pathname.replace(/\\/+$/, '');
  var log = document.getElementById('log');
  var form = document.getElementById('send');
  var input = document.getElementById('text');
  var status = document.getElementById('status');
  var shown = {};
  var pending = null;

  function newId() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function show(m) {
    if (shown[m.id]) return;
    shown[m.id] = true;
    var li = document.createElement('li');
    li.className = m.author === 'visitor' ? 'visitor' : 'business';
    li.textContent = m.text;
    li.setAttribute('data-id', m.id);
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  var events = new EventSource(base + '/events');
  events.addEventListener('message', function (e) { show(JSON.parse(e.data)); });
  events.addEventListener('open', function () { status.textContent = ''; });
  events.addEventListener('error', function () { status.textContent = 'Reconnecting...'; });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    // A retry of the same text keeps its id, so the server stores it once.
    if (!pending || pending.text !== text) pending = { text: text, id: newId() };
    var sending = pending;
    fetch(base + '/messages', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: sending.text, id: sending.id })
    }).then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      if (pending === sending) pending = null;
      if (input.value.trim() === sending.text) input.value = '';
      status.textContent = '';
    }).catch(function () {
      status.textContent = 'Not sent. Press Send to try again.';
    });
  });
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const SCRIPT_HASH = hash(SCRIPT);
const STYLE_HASH = hash(STYLE);

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page's Content-Security-Policy: only its own script and style, requests to itself, framed only by `frameAncestors`. */
export function widgetCsp(frameAncestors: string[]): string {
  return [
    "default-src 'none'",
    `script-src ${SCRIPT_HASH}`,
    `style-src ${STYLE_HASH}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`,
  ].join('; ');
}

/** The widget page for a channel. */
export function widgetPage(opts: { title: string; welcome?: string }): string {
  const welcome = opts.welcome ? `<li class="business">${escapeHtml(opts.welcome)}</li>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(opts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>${escapeHtml(opts.title)}</header>
<ul id="log" aria-live="polite">${welcome}</ul>
<div id="status" role="status"></div>
<form id="send" autocomplete="off">
<input id="text" name="text" maxlength="4000" placeholder="Type a message" aria-label="Message" required>
<button type="submit">Send</button>
</form>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
