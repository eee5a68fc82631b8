// The console's shell: login, navigation between views (by the URL's hash), logout.
import {h, fill, note} from './dom.js';
import {session, login, logout, resume, isAdmin, whenLoggedOut, problem} from './api.js';
import {overview} from './overview.js';
import {keys} from './keys.js';
import {feed} from './feed.js';
import {tokens, schemas} from './admin.js';

const views = {overview, keys, feed, tokens, schemas};
const main = document.getElementById('view');
let stopView = () => {};

/** The view named by the hash (#/keys?key=a/b) and its parameters. */
function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, query] = hash.split('?');
  return {name: name || 'overview', params: new URLSearchParams(query || '')};
}

function show() {
  stopView();
  stopView = () => {};
  if (!session.principal) {
    showLogin();
    return;
  }
  const {name, params} = route();
  const view = views[name] && (!['tokens', 'schemas'].includes(name) || isAdmin()) ? views[name] : overview;
  document.getElementById('top').hidden = false;
  document.querySelectorAll('#nav a').forEach(a => {
    a.hidden = a.hasAttribute('data-admin') && !isAdmin();
    a.classList.toggle('active', views[a.dataset.view] === view);
  });
  const roles = session.roles.map(r => `${r.role} on ${r.prefix === '' ? 'everything' : r.prefix}`).join(', ');
  fill(document.getElementById('who'), h('strong', {}, session.principal), ' · ', roles);
  main.replaceChildren();
  stopView = view(main, params) || (() => {});
}

function showLogin(message) {
  document.getElementById('top').hidden = true;
  const input = h('input', {id: 'token', type: 'password', name: 'token', autocomplete: 'off', required: true,
    placeholder: 'ssot_…', 'aria-label': 'Token'});
  const status = h('div', {id: 'login-status'}, message ? note('info', message) : null);
  const form = h('form', {id: 'login', class: 'card login', onsubmit: async e => {
    e.preventDefault();
    fill(status);
    const answer = await login(input.value);
    input.value = '';
    if (answer.ok) {
      if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
      show();
    } else {
      fill(status, note('error', answer.status === 401 ? 'That token is not valid (unknown, revoked or expired).'
        : problem(answer)));
    }
  }},
    h('h1', {}, 'ssot console'),
    h('p', {class: 'muted'}, 'Log in with an API token. It is exchanged for a session cookie and not kept in the page.'),
    h('label', {for: 'token'}, 'Token'), input,
    h('button', {type: 'submit', class: 'primary'}, 'Log in'),
    status);
  fill(main, form);
  input.focus();
}

whenLoggedOut(() => {
  if (!session.principal) return;
  Object.assign(session, {principal: null, roles: [], csrfToken: null});
  stopView();
  stopView = () => {};
  showLogin('Your session ended (logged out, expired or its token was revoked). Log in again.');
});

document.getElementById('logout').addEventListener('click', async () => {
  await logout();
  location.hash = '#/login';
  show();
});
window.addEventListener('hashchange', show);

resume().then(show);
