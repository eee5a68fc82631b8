// The overview: the server's figures, refreshed every two seconds; reads/s and writes/s are the
// difference of two answers' request totals over their time apart.
import {h, fill, note, when} from './dom.js';
import {call, isAdmin, problem} from './api.js';

const REFRESH_MILLIS = 2000;

export function overview(root) {
  const figures = h('div', {class: 'figures', id: 'figures'});
  const updated = h('span', {class: 'muted', id: 'updated'});
  const cluster = h('section', {id: 'cluster'});
  const clients = h('section', {id: 'clients'});
  root.append(h('div', {class: 'title'}, h('h1', {}, 'Overview'), updated), figures, cluster, clients);
  let previous = null;
  let stopped = false;

  async function refresh() {
    const answer = await call('GET', '/ui/api/overview');
    if (stopped) return;
    if (!answer.ok) {
      fill(figures, note('error', problem(answer)));
      return;
    }
    const o = answer.body;
    const rate = field => previous && o.time > previous.time
      ? ((o.requests[field] - previous.requests[field]) * 1000 / (o.time - previous.time)).toFixed(1) : '…';
    const wb = o.writeBehind;
    fill(figures,
      figure('Revision', o.revision, `compacted below ${o.compactRevision}`, {id: 'revision'}),
      figure('Keys', o.keys),
      figure('Reads/s', rate('reads'), 'GET requests'),
      figure('Writes/s', rate('writes'), 'PUT, POST and DELETE requests'),
      figure('Open watches', o.openWatches, `${o.clientsConnected} watch WebSockets`),
      wb ? figure('Write-behind', `${wb.outboxDepth} behind`,
        `PostgreSQL at ${wb.persistedRevision} · lag max ${wb.lagMillisMax} ms`)
        : figure('Write-behind', 'off', 'PostgreSQL is not configured'),
      wb ? figure('Circuit', wb.circuit, 'to PostgreSQL', {tone: wb.circuit === 'closed' ? 'good' : 'bad'}) : null,
      o.cluster ? figure('Cluster', o.cluster.role, `term ${o.cluster.term} · leader ${o.cluster.leaderId || 'none'}`) : null);
    previous = o;
    fill(updated, 'updated ' + new Date(o.time).toLocaleTimeString());
    if (o.cluster) await members(); else fill(cluster);
    if (isAdmin()) await behind(); else fill(clients);
  }

  async function members() {
    const answer = await call('GET', '/v1/cluster');
    if (stopped || !answer.ok) return;
    fill(cluster, h('h2', {}, 'Cluster members'), table(['Node', 'Role', 'Applied revision', 'Last seen', 'URL'],
      answer.body.members.map(m => [m.id, m.role, m.appliedRevision, when(m.lastSeen), m.url])));
  }

  async function behind() {
    const answer = await call('GET', '/v1/clients');
    if (stopped || !answer.ok) return;
    const rows = answer.body.clients.map(c => [c.clientId || '—', c.application || '—', c.principal,
      c.appliedRevision ?? '—', c.revisionsBehind ?? '—', c.status || '—', when(c.connectedSince)]);
    fill(clients, h('h2', {}, 'Watching clients'), rows.length
      ? table(['Client', 'Application', 'Principal', 'Applied', 'Behind', 'Status', 'Connected since'], rows)
      : h('p', {class: 'muted'}, 'No watch WebSocket is open on this node.'));
  }

  refresh();
  const timer = setInterval(refresh, REFRESH_MILLIS);
  return () => { stopped = true; clearInterval(timer); };
}

function figure(label, value, detail, {id, tone} = {}) {
  return h('div', {class: 'card figure ' + (tone || ''), id: id ? 'figure-' + id : null},
    h('div', {class: 'label'}, label), h('div', {class: 'value'}, value), detail ? h('div', {class: 'muted'}, detail) : null);
}

export function table(headings, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, headings.map(t => h('th', {}, t)))),
    h('tbody', {}, rows.map(r => h('tr', {}, r.map(c => h('td', {}, c))))));
}
