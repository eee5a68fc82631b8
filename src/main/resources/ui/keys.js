// The key browser: a prefix tree on the left; on the right a key's value, metadata and history,
// a diff of two revisions, rollback with confirmation, and edits made with If-Match so that a
// change someone else made meanwhile is refused, never overwritten.
import {h, fill, note, when} from './dom.js';
import {call, allows, keyPath, problem, session} from './api.js';
import {diffLines} from './diff.js';

/** Keys listed per request, and at most this many pages in one folder. */
const PAGE = 1000;
const MAX_PAGES = 5;
const HISTORY = 50;

export function keys(root, params) {
  const key = params.get('key');
  const folder = key !== null ? parentOf(key) : (params.get('prefix') || '');
  const tree = h('nav', {class: 'card tree', id: 'tree', 'aria-label': 'Key tree'});
  const detail = h('section', {class: 'detail', id: 'detail'});
  root.append(h('div', {class: 'title'}, h('h1', {}, 'Keys')), h('div', {class: 'split'}, tree, detail));
  showTree(tree, folder, key);
  if (key !== null) showKey(detail, key); else showNewKey(detail, folder);
}

function parentOf(key) {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

const link = (params) => '#/keys?' + new URLSearchParams(params).toString();

async function showTree(tree, folder, selected) {
  const crumbs = [h('a', {href: link({prefix: ''})}, '(root)')];
  let at = '';
  for (const part of folder.split('/').filter(p => p !== '')) {
    at += part + '/';
    crumbs.push(' / ', h('a', {href: link({prefix: at})}, part));
  }
  fill(tree, h('div', {class: 'crumbs'}, crumbs), h('p', {class: 'muted'}, 'Loading…'));
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({prefix: folder, limit: PAGE, keysOnly: 'true'});
    if (cursor) query.set('cursor', cursor);
    const answer = await call('GET', '/v1/kv?' + query);
    if (!answer.ok) {
      fill(tree, h('div', {class: 'crumbs'}, crumbs), note('error', problem(answer)), startingPoints());
      return;
    }
    items.push(...answer.body.items);
    cursor = answer.body.next;
    if (!cursor) break;
  }
  const folders = new Map();
  const leaves = [];
  for (const item of items) {
    const rest = item.key.slice(folder.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const child = rest.slice(0, slash + 1);
      folders.set(child, (folders.get(child) || 0) + 1);
    } else {
      leaves.push(item.key);
    }
  }
  const entries = [
    ...[...folders].map(([child, count]) => h('li', {class: 'folder'},
      h('a', {href: link({prefix: folder + child})}, child), h('span', {class: 'muted'}, ` ${count}`))),
    ...leaves.map(k => h('li', {class: k === selected ? 'leaf selected' : 'leaf'},
      h('a', {href: link({key: k})}, k.slice(folder.length) || '(this key)')))];
  fill(tree, h('div', {class: 'crumbs'}, crumbs),
    entries.length ? h('ul', {}, entries) : h('p', {class: 'muted'}, 'No keys under this prefix.'),
    cursor ? note('info', `Only the first ${items.length} keys are shown: choose a longer prefix.`) : null);
}

/** Where a token that may not list everything can start: the prefixes it was granted. */
function startingPoints() {
  const prefixes = [...new Set(session.roles.map(r => r.prefix))];
  return h('div', {}, h('p', {class: 'muted'}, 'Your token may list:'),
    h('ul', {}, prefixes.map(p => h('li', {class: 'folder'}, h('a', {href: link({prefix: p})}, p || '(root)')))));
}

async function showKey(detail, key) {
  fill(detail, h('p', {class: 'muted'}, 'Loading…'));
  const answer = await call('GET', '/v1/kv/' + keyPath(key));
  const canWrite = allows('write', key);
  const status = h('div', {id: 'key-status'});
  const history = h('section', {id: 'history'});
  if (answer.status === 404) {
    fill(detail, h('div', {class: 'card'}, h('h2', {class: 'key'}, key), note('info', 'This key does not exist now.')),
      status, history);
    showHistory(history, key, null, status, canWrite);
    return;
  }
  if (!answer.ok) {
    fill(detail, note('error', problem(answer)));
    return;
  }
  const entry = answer.body;
  const value = h('pre', {class: 'value', id: 'value'}, pretty(entry.value));
  const editor = h('div', {id: 'editor', hidden: true});
  const actions = canWrite ? h('div', {class: 'actions'},
    h('button', {type: 'button', id: 'edit', onclick: () => openEditor(editor, value, entry, status)}, 'Edit'),
    h('button', {type: 'button', id: 'delete', class: 'danger', onclick: () => confirmBox(status,
      `Delete ${key}? Its history stays; a rollback can bring it back.`, 'Delete', async () => {
        const del = await call('DELETE', '/v1/kv/' + keyPath(key), {headers: {'If-Match': `"${entry.revision}"`}});
        if (del.ok) location.hash = link({prefix: parentOf(key)});
        else fill(status, refusal(del, key));
      })}, 'Delete')) : null;
  fill(detail,
    h('div', {class: 'card'},
      h('h2', {class: 'key'}, key),
      h('dl', {class: 'meta'},
        h('dt', {}, 'Revision'), h('dd', {id: 'meta-revision'}, entry.revision),
        h('dt', {}, 'Created at revision'), h('dd', {}, entry.createRevision),
        h('dt', {}, 'Version'), h('dd', {}, entry.version),
        h('dt', {}, 'Updated'), h('dd', {}, when(entry.updatedAt)),
        h('dt', {}, 'By'), h('dd', {}, entry.updatedBy || '—')),
      actions, value, editor),
    status, history);
  showHistory(history, key, entry, status, canWrite);
}

function openEditor(editor, value, entry, status) {
  const text = h('textarea', {id: 'editor-text', rows: 14, spellcheck: 'false', 'aria-label': 'New value (JSON)'});
  text.value = pretty(entry.value);
  const save = async () => {
    let parsed;
    try { parsed = JSON.parse(text.value); } catch (e) {
      fill(status, note('error', 'Not valid JSON: ' + e.message));
      return;
    }
    // If-Match: written only if the key is still at the revision this page showed.
    const put = await call('PUT', '/v1/kv/' + keyPath(entry.key),
      {body: JSON.stringify(parsed), headers: {'If-Match': `"${entry.revision}"`}});
    if (put.ok) {
      fill(status, note('ok', `Saved as revision ${put.body.revision}.`));
      showKeyAgain(entry.key, status.lastChild);
    } else {
      fill(status, refusal(put, entry.key));
    }
  };
  fill(editor, text, h('div', {class: 'actions'},
    h('button', {type: 'button', id: 'save', class: 'primary', onclick: save}, 'Save'),
    h('button', {type: 'button', onclick: () => { editor.hidden = true; value.hidden = false; }}, 'Cancel')),
    h('p', {class: 'muted'}, `Saved only if the key is still at revision ${entry.revision}.`));
  editor.hidden = false;
  value.hidden = true;
  text.focus();
}

/** Shows the key again, keeping a message from what was just done. */
async function showKeyAgain(key, message) {
  const detail = document.getElementById('detail');
  await showKey(detail, key);
  if (message) document.getElementById('key-status').append(message);
}

/** The words for a refused change: a concurrent edit (412/409) is said plainly, with a way to reload. */
function refusal(answer, key) {
  if (answer.status === 412 || answer.status === 409) {
    const now = answer.body && answer.body.currentRevision;
    const message = note('error', 'Refused: this key was changed by someone else since you opened it'
      + (now ? ` (it is now at revision ${now})` : '') + '. Your change was not saved; reload the key to see '
      + 'the current value, then edit again. ');
    message.append(h('button', {type: 'button', id: 'reload', onclick: () => showKeyAgain(key)}, 'Reload the key'));
    return message;
  }
  if (answer.status === 403) return note('error', 'Not allowed: ' + problem(answer));
  return note('error', problem(answer));
}

async function showHistory(section, key, entry, status, canWrite) {
  const answer = await call('GET', `/v1/history/${keyPath(key)}?limit=${HISTORY}`);
  if (!answer.ok) {
    fill(section, note('error', problem(answer)));
    return;
  }
  const items = answer.body.items;
  const diff = h('div', {id: 'diff'});
  let a = items.length > 1 ? items[1].revision : null;
  let b = items.length > 0 ? items[0].revision : null;
  const showDiff = () => {
    const older = items.find(i => i.revision === a);
    const newer = items.find(i => i.revision === b);
    if (!older || !newer) { fill(diff); return; }
    const lines = diffLines(textOf(older), textOf(newer));
    fill(diff, h('h3', {}, `Changes from revision ${older.revision} to ${newer.revision}`),
      h('pre', {class: 'diff'}, lines.map(l => h('span', {class: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'},
        `${l.op} ${l.line}\n`))));
  };
  const radio = (group, revision, checked, set) => h('input', {type: 'radio', name: group, checked,
    'aria-label': `${group === 'a' ? 'from' : 'to'} revision ${revision}`, onchange: () => { set(revision); showDiff(); }});
  const rows = items.map(i => h('tr', {'data-revision': i.revision},
    h('td', {}, radio('a', i.revision, i.revision === a, r => { a = r; })),
    h('td', {}, radio('b', i.revision, i.revision === b, r => { b = r; })),
    h('td', {}, i.revision), h('td', {}, i.type), h('td', {}, when(i.updatedAt)), h('td', {}, i.updatedBy || '—'),
    h('td', {}, canWrite && i.type === 'put' && (!entry || i.revision !== entry.revision)
      ? h('button', {type: 'button', class: 'rollback', onclick: () => confirmBox(status,
        `Roll back ${key} to revision ${i.revision}? Its value then is written as a new revision.`, 'Roll back',
        async () => {
          const done = await call('POST', '/v1/rollback/' + keyPath(key), {body: {toRevision: i.revision}});
          if (done.ok) showKeyAgain(key, note('ok', `Rolled back to revision ${i.revision}: now revision ${done.body.revision}.`));
          else fill(status, refusal(done, key));
        })}, 'Roll back…') : null)));
  fill(section, h('h2', {}, 'History'),
    items.length ? h('table', {class: 'history'},
      h('thead', {}, h('tr', {}, ['From', 'To', 'Revision', 'Change', 'When', 'By', ''].map(t => h('th', {}, t)))),
      h('tbody', {}, rows)) : h('p', {class: 'muted'}, 'No history kept for this key.'),
    answer.body.next ? h('p', {class: 'muted'}, `The newest ${HISTORY} changes are shown.`) : null,
    diff);
  showDiff();
}

/** An in-page confirmation: nothing happens until its button is pressed. */
function confirmBox(container, text, action, onConfirm) {
  const box = h('div', {class: 'card confirm', role: 'alertdialog', id: 'confirm'},
    h('p', {}, text),
    h('button', {type: 'button', class: 'danger', id: 'confirm-yes', onclick: () => { box.remove(); onConfirm(); }}, action),
    h('button', {type: 'button', onclick: () => box.remove()}, 'Cancel'));
  fill(container, box);
  box.scrollIntoView({block: 'nearest'});
}

function showNewKey(detail, folder) {
  if (!allows('write', folder)) {
    fill(detail, h('p', {class: 'muted card'}, 'Choose a key on the left.'));
    return;
  }
  const name = h('input', {id: 'new-key', value: folder, 'aria-label': 'Key', spellcheck: 'false'});
  const value = h('textarea', {id: 'new-value', rows: 8, spellcheck: 'false', 'aria-label': 'Value (JSON)'});
  const status = h('div', {});
  fill(detail, h('form', {class: 'card', id: 'create', onsubmit: async e => {
    e.preventDefault();
    let parsed;
    try { parsed = JSON.parse(value.value); } catch (err) {
      fill(status, note('error', 'Not valid JSON: ' + err.message));
      return;
    }
    const put = await call('PUT', '/v1/kv/' + keyPath(name.value),
      {body: JSON.stringify(parsed), headers: {'If-None-Match': '*'}});
    if (put.ok) location.hash = link({key: name.value});
    else fill(status, put.status === 412 ? note('error', 'That key exists already: open it to edit it.') : refusal(put, name.value));
  }}, h('h2', {}, 'New key'), h('p', {class: 'muted'}, 'Choose a key on the left, or create one here.'),
    h('label', {for: 'new-key'}, 'Key'), name, h('label', {for: 'new-value'}, 'Value (JSON)'), value,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Create')), status));
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

function textOf(historyItem) {
  return historyItem.type === 'delete' ? '' : pretty(historyItem.value);
}
