// Calls to the server with the session cookie (sent by the browser, never visible to this script)
// and, on every change, the session's CSRF token in X-CSRF-Token.

export const session = {principal: null, roles: [], csrfToken: null};

/** Called when the server says the session has ended (401): the app shows the login page. */
let onLoggedOut = () => {};
export function whenLoggedOut(fn) { onLoggedOut = fn; }

/** The answer to one request: {status, ok, body (parsed JSON or null), headers}. Never throws on an HTTP status. */
export async function call(method, path, {body, headers} = {}) {
  const h = {'Accept': 'application/json', ...(headers || {})};
  if (method !== 'GET' && session.csrfToken) h['X-CSRF-Token'] = session.csrfToken;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, {method, headers: h, body: payload, credentials: 'same-origin', cache: 'no-store'});
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  const answer = {status: response.status, ok: response.ok, body: parsed, headers: response.headers};
  if (response.status === 401 && path !== '/ui/session') onLoggedOut();
  return answer;
}

/** A problem's human text: its detail, or the status. */
export function problem(answer) {
  const b = answer.body;
  return b && b.detail ? `${answer.status} ${b.code || ''}: ${b.detail}` : `HTTP ${answer.status}`;
}

export async function login(token) {
  const answer = await call('POST', '/ui/session', {body: {token}});
  if (answer.ok) Object.assign(session, answer.body);
  return answer;
}

/** Who is logged in, from the cookie (after a reload): true when a session is live. */
export async function resume() {
  const answer = await call('GET', '/ui/session');
  if (answer.ok) Object.assign(session, answer.body);
  return answer.ok;
}

export async function logout() {
  await call('DELETE', '/ui/session');
  Object.assign(session, {principal: null, roles: [], csrfToken: null});
}

/** Whether the session's token has `role` (or a higher one) on every key under keyOrPrefix. */
export function allows(role, keyOrPrefix) {
  const rank = {read: 0, write: 1, admin: 2};
  return session.roles.some(r => rank[r.role] >= rank[role] && keyOrPrefix.startsWith(r.prefix));
}

export function isAdmin() { return allows('admin', ''); }

/** The path of a key in /v1 URLs: each segment percent-encoded, the slashes kept. */
export function keyPath(key) {
  return key.split('/').map(encodeURIComponent).join('/');
}
