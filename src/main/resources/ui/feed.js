// The live change feed: one WebSocket watch on a prefix (the session cookie authenticates the
// upgrade; the server checks its Origin), newest change first.
import {h, fill, note, when} from './dom.js';

const MAX_ROWS = 500;

export function feed(root, params) {
  const prefix = h('input', {id: 'feed-prefix', value: params.get('prefix') || '', placeholder: '(every key)',
    'aria-label': 'Prefix', spellcheck: 'false'});
  const state = h('span', {id: 'feed-state', class: 'muted'}, 'not watching');
  const rows = h('tbody', {id: 'feed-rows'});
  const status = h('div', {});
  let socket = null;

  const stop = () => {
    if (socket) { socket.onclose = null; socket.close(1000); socket = null; }
    fill(state, 'not watching');
  };
  const start = () => {
    stop();
    fill(status);
    rows.replaceChildren();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/watch?clientId=console`;
    const ws = new WebSocket(url);
    socket = ws;
    fill(state, 'connecting…');
    ws.onopen = () => ws.send(JSON.stringify({op: 'watch', id: 'feed', prefix: prefix.value}));
    ws.onmessage = message => {
      const m = JSON.parse(message.data);
      if (m.created) fill(state, h('span', {class: 'live'}, '● live'), ` on ${prefix.value || 'every key'} from revision ${m.revision}`);
      else if (m.progress) fill(state, h('span', {class: 'live'}, '● live'), ` on ${prefix.value || 'every key'}, at revision ${m.progress}`);
      else if (m.events) m.events.forEach(add);
      else if (m.error) fill(status, note('error', `The watch ended: ${m.error}${m.detail ? ' — ' + m.detail : ''}`));
    };
    ws.onclose = e => {
      if (socket === ws) {
        socket = null;
        fill(state, `closed (${e.code})`);
      }
    };
  };
  const add = event => {
    rows.prepend(h('tr', {class: 'event ' + event.type},
      h('td', {}, event.revision), h('td', {}, event.type), h('td', {class: 'key'},
        h('a', {href: '#/keys?' + new URLSearchParams({key: event.key})}, event.key)),
      h('td', {}, h('code', {}, event.type === 'delete' ? '' : JSON.stringify(event.value))),
      h('td', {}, event.updatedBy || '—'), h('td', {}, when(event.updatedAt))));
    while (rows.children.length > MAX_ROWS) rows.lastChild.remove();
  };

  root.append(h('div', {class: 'title'}, h('h1', {}, 'Live feed'), state),
    h('form', {class: 'card inline', onsubmit: e => { e.preventDefault(); start(); }},
      h('label', {for: 'feed-prefix'}, 'Prefix'), prefix,
      h('button', {type: 'submit', class: 'primary', id: 'feed-start'}, 'Watch'),
      h('button', {type: 'button', onclick: stop}, 'Stop')),
    status,
    h('table', {class: 'feed'}, h('thead', {}, h('tr', {},
      ['Revision', 'Change', 'Key', 'Value', 'By', 'When'].map(t => h('th', {}, t)))), rows));
  start();
  return stop;
}
