// Administration (admin tokens only; the server refuses everyone else with 403): tokens and
// JSON Schemas per prefix.
import {h, fill, note, when} from './dom.js';
import {call, problem} from './api.js';
import {table} from './overview.js';

export function tokens(root) {
  const list = h('section', {id: 'token-list'});
  const status = h('div', {id: 'token-status'});
  const name = h('input', {id: 'token-name', required: true, placeholder: 'payments-svc', spellcheck: 'false'});
  const roles = h('input', {id: 'token-roles', required: true, placeholder: 'read:payments/, write:payments/dev/',
    spellcheck: 'false'});
  const ttl = h('input', {id: 'token-ttl', placeholder: '90d (empty: never expires)', spellcheck: 'false'});

  const load = async () => {
    const answer = await call('GET', '/v1/tokens');
    if (!answer.ok) { fill(list, note('error', problem(answer))); return; }
    const items = answer.body.items.sort((x, y) => (x.createdAt < y.createdAt ? 1 : -1));
    fill(list, items.length ? table(['Name', 'Id', 'Roles', 'Expires', 'Created', 'By', ''], items.map(t => [
      t.name, h('code', {}, t.id), t.roles.map(r => `${r.role}:${r.prefix}`).join(', '),
      t.expiresAt ? when(t.expiresAt) : 'never', when(t.createdAt), t.createdBy,
      h('button', {type: 'button', class: 'danger', onclick: () => confirmRevoke(t)}, 'Revoke…')]))
      : h('p', {class: 'muted'}, 'No tokens yet (the bootstrap admin token is not listed).'));
  };
  const confirmRevoke = t => {
    const box = h('div', {class: 'card confirm', role: 'alertdialog'},
      h('p', {}, `Revoke ${t.name} (${t.id})? Every request and watch with it stops at once.`),
      h('button', {type: 'button', class: 'danger', onclick: async () => {
        const answer = await call('DELETE', '/v1/tokens/' + encodeURIComponent(t.id));
        fill(status, answer.ok ? note('ok', `Revoked ${t.name}.`) : note('error', problem(answer)));
        load();
      }}, 'Revoke'),
      h('button', {type: 'button', onclick: () => fill(status)}, 'Cancel'));
    fill(status, box);
  };
  const create = async e => {
    e.preventDefault();
    const parsed = roles.value.split(',').map(s => s.trim()).filter(Boolean).map(s => {
      const colon = s.indexOf(':');
      return colon < 0 ? {role: s, prefix: ''} : {role: s.slice(0, colon), prefix: s.slice(colon + 1)};
    });
    const body = {name: name.value, roles: parsed};
    if (ttl.value.trim()) body.ttl = ttl.value.trim();
    const answer = await call('POST', '/v1/tokens', {body});
    if (!answer.ok) { fill(status, note('error', problem(answer))); return; }
    fill(status, h('div', {class: 'card secret'}, h('p', {}, `Token for ${answer.body.name} — shown once, copy it now:`),
      h('code', {id: 'new-token'}, answer.body.token)));
    e.target.reset();
    load();
  };
  root.append(h('div', {class: 'title'}, h('h1', {}, 'Tokens')),
    h('form', {class: 'card inline', id: 'token-create', onsubmit: create},
      h('label', {for: 'token-name'}, 'Name'), name, h('label', {for: 'token-roles'}, 'Roles'), roles,
      h('label', {for: 'token-ttl'}, 'Lifetime'), ttl, h('button', {type: 'submit', class: 'primary'}, 'Create')),
    status, list);
  load();
}

export function schemas(root) {
  const list = h('section', {id: 'schema-list'});
  const status = h('div', {});
  const prefix = h('input', {id: 'schema-prefix', required: true, placeholder: 'payments/', spellcheck: 'false'});
  const schema = h('textarea', {id: 'schema-text', rows: 8, spellcheck: 'false',
    placeholder: '{"type": "object", "required": ["pool"]}'});

  const load = async () => {
    const answer = await call('GET', '/v1/schemas');
    if (!answer.ok) { fill(list, note('error', problem(answer))); return; }
    const items = answer.body.items;
    fill(list, items.length ? items.map(s => h('div', {class: 'card'},
      h('h2', {class: 'key'}, s.prefix || '(every key)'),
      h('p', {class: 'muted'}, `revision ${s.revision} · ${when(s.updatedAt)} by ${s.updatedBy || '—'}`),
      h('pre', {class: 'value'}, JSON.stringify(s.schema, null, 2)),
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => { prefix.value = s.prefix; schema.value = JSON.stringify(s.schema, null, 2); }}, 'Edit'),
        h('button', {type: 'button', class: 'danger', onclick: () => remove(s.prefix)}, 'Delete…'))))
      : h('p', {class: 'muted'}, 'No schema is set.'));
  };
  const remove = p => {
    const box = h('div', {class: 'card confirm', role: 'alertdialog'},
      h('p', {}, `Delete the schema of ${p}? Writes under it are no longer checked.`),
      h('button', {type: 'button', class: 'danger', onclick: async () => {
        const answer = await call('DELETE', '/v1/schemas/' + p.split('/').map(encodeURIComponent).join('/'));
        fill(status, answer.ok ? note('ok', `Deleted the schema of ${p}.`) : note('error', problem(answer)));
        load();
      }}, 'Delete'),
      h('button', {type: 'button', onclick: () => fill(status)}, 'Cancel'));
    fill(status, box);
  };
  const save = async e => {
    e.preventDefault();
    try { JSON.parse(schema.value); } catch (err) { fill(status, note('error', 'Not valid JSON: ' + err.message)); return; }
    const path = '/v1/schemas/' + prefix.value.split('/').map(encodeURIComponent).join('/');
    const answer = await call('PUT', path, {body: schema.value});
    if (!answer.ok) {
      const violations = answer.body && answer.body.violations ? answer.body.violations.map(v => v.message).join('; ') : '';
      fill(status, note('error', problem(answer) + (violations ? ` (${violations})` : '')));
      return;
    }
    fill(status, note('ok', `Schema of ${prefix.value} set (revision ${answer.body.revision}).`));
    load();
  };
  root.append(h('div', {class: 'title'}, h('h1', {}, 'Schemas')),
    h('form', {class: 'card', id: 'schema-form', onsubmit: save},
      h('label', {for: 'schema-prefix'}, 'Prefix'), prefix,
      h('label', {for: 'schema-text'}, 'JSON Schema (draft 2020-12)'), schema,
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Set schema'))),
    status, list);
  load();
}
