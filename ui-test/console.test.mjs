// The web console in a real browser: Debian's chromium, headless, driven by playwright-core.
//
//   node ui-test/console.test.mjs --url http://127.0.0.1:8080 --admin-token TOKEN --screenshots target/ui-screenshots
//
// It logs in, browses, edits a key and sees the edit in the live feed, compares two revisions,
// rolls back, has a concurrent edit refused, manages tokens and schemas, logs out, and checks
// that a read-only token sees no write buttons and is refused (403) when it tries anyway. One
// screenshot per page goes to --screenshots; the console's load time is measured and printed.
// Exit code 0 and "ALL PASSED" last when every step passed; 1 and the failure otherwise. It never
// skips: a browser that cannot start is a failure.
import {chromium} from 'playwright-core';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const BASE = args.url;
const ADMIN = args['admin-token'];
const SHOTS = args.screenshots || 'target/ui-screenshots';
const CHROMIUM = args.chromium || '/usr/bin/chromium';
if (!BASE || !ADMIN) {
  console.error('usage: console.test.mjs --url URL --admin-token TOKEN [--screenshots DIR] [--chromium PATH]');
  process.exit(2);
}
mkdirSync(SHOTS, {recursive: true});

const PREFIX = `console-test-${Date.now()}/`;
const KEY = PREFIX + 'payments/db';

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

function step(name) {
  console.log('STEP ' + name);
}

/** The API as the bootstrap admin, with a bearer token (the way services call it). */
async function api(method, path, body, headers = {}) {
  const response = await fetch(BASE + path, {method, headers: {Authorization: 'Bearer ' + ADMIN,
    'Content-Type': 'application/json', ...headers}, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await response.text();
  return {status: response.status, body: text ? JSON.parse(text) : null};
}

async function createToken(name, roles) {
  const r = await api('POST', '/v1/tokens', {name, roles, ttl: '1h'});
  check(r.status === 201, `token ${name} created: ${r.status}`);
  return r.body;
}

async function shot(page, name) {
  await page.screenshot({path: join(SHOTS, name + '.png'), fullPage: true});
}

/** Fails on any error the page reports: a script error, a CSP violation, a failed load. */
function watchForErrors(page, errors) {
  page.on('pageerror', e => errors.push('page error: ' + e.message));
  page.on('console', m => {
    if (m.type() === 'error' && !/status of 40[134]|status of 412/.test(m.text())) errors.push('console: ' + m.text());
  });
}

async function login(page, token) {
  await page.goto(BASE + '/ui');
  await page.waitForSelector('#login');
  await page.fill('#token', token);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#figures .figure');
}

async function main() {
  // ---- fixtures through the API -----------------------------------------------------------
  for (const [k, v] of [[KEY, {pool: {max: 8}, host: 'db-1'}], [PREFIX + 'payments/flags', {beta: false}],
    [PREFIX + 'web/theme', {color: 'blue'}]]) {
    const r = await api('PUT', '/v1/kv/' + k, v);
    check(r.status === 201, `fixture ${k}: ${r.status}`);
  }
  const firstRevision = (await api('GET', '/v1/kv/' + KEY)).body.revision;
  const operator = await createToken('console-operator-' + Date.now(), [{role: 'admin', prefix: ''}]);
  const reader = await createToken('console-reader-' + Date.now(), [{role: 'read', prefix: PREFIX}]);

  let browser = null;
  const errors = [];
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Playwright gives each launch a fresh, temporary user-data-dir.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({viewport: {width: 1280, height: 860}});
    const page = await context.newPage();
    watchForErrors(page, errors);

    step('login page');
    await page.goto(BASE + '/ui');
    await page.waitForSelector('#login');
    await shot(page, '01-login');
    await page.fill('#token', 'ssot_0123456789abcdef_notTheSecretOfAnyToken');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login-status .note.error');
    check(!page.url().includes('ssot_'), 'the token is not in the URL');

    step('log in');
    await page.fill('#token', operator.token);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#figures .figure');
    const cookies = await context.cookies();
    const session = cookies.find(c => c.name === 'ssot_session');
    check(session && session.httpOnly && session.sameSite === 'Strict', 'an HttpOnly, SameSite=Strict session cookie');
    check(session.value !== operator.token && !cookies.some(c => c.value.includes(operator.token)), 'the cookie is not the token');
    check(await page.evaluate(() => document.cookie) === '', 'the page script cannot read the cookie');

    step('overview refreshes live');
    await page.waitForFunction(() => /^\d+\.\d$/.test(document.querySelector('.figure:nth-child(3) .value')?.textContent || ''),
      null, {timeout: 10000});
    const before = Number(await page.textContent('#figure-revision .value'));
    await api('PUT', '/v1/kv/' + PREFIX + 'web/theme', {color: 'green'});
    await page.waitForFunction(r => Number(document.querySelector('#figure-revision .value').textContent) > r, before,
      {timeout: 10000});
    await shot(page, '02-overview');

    step('console load time');
    const loads = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      await page.goto(BASE + '/ui#/overview', {waitUntil: 'commit'});
      await page.reload({waitUntil: 'commit'});
      await page.waitForFunction(() => /^\d+$/.test(document.querySelector('#figure-revision .value')?.textContent || ''));
      loads.push(Date.now() - started);
    }
    const nav = await page.evaluate(() => {
      const t = performance.getEntriesByType('navigation')[0];
      return {domContentLoaded: Math.round(t.domContentLoadedEventEnd), load: Math.round(t.loadEventEnd)};
    });
    const sorted = [...loads].sort((a, b) => a - b);
    console.log(`LOAD overview rendered ms: runs=${loads.join(',')} median=${sorted[2]} `
      + `(last navigation: domContentLoaded=${nav.domContentLoaded} load=${nav.load})`);

    step('browse the prefix tree');
    await page.click('#nav a[data-view=keys]');
    await page.waitForSelector('#tree ul');
    await page.click(`#tree a:text-is("${PREFIX}")`);
    await page.click('#tree a:text-is("payments/")');
    await page.click('#tree a:text-is("db")');
    await page.waitForSelector('#value');
    check((await page.textContent('#value')).includes('"host": "db-1"'), 'the value is pretty-printed');
    check(await page.textContent('#meta-revision') === String(firstRevision), 'the metadata shows the revision');
    await shot(page, '03-keys');

    step('edit a key and see it in the live feed');
    const feedPage = await context.newPage();
    watchForErrors(feedPage, errors);
    await feedPage.goto(BASE + '/ui#/feed?prefix=' + encodeURIComponent(PREFIX));
    await feedPage.waitForSelector('#feed-state .live');
    await page.click('#edit');
    await page.fill('#editor-text', JSON.stringify({pool: {max: 32}, host: 'db-1'}, null, 2));
    await page.click('#save');
    await page.waitForSelector('#key-status .note.ok');
    const edited = (await api('GET', '/v1/kv/' + KEY)).body;
    check(edited.value.pool.max === 32 && edited.updatedBy === operator.name, 'the edit is stored, by the operator');
    await feedPage.locator('#feed-rows tr', {hasText: KEY}).filter({hasText: '"max":32'})
      .waitFor({timeout: 10000});
    await shot(feedPage, '04-live-feed');
    await feedPage.close();

    step('history and a diff of two revisions');
    await page.waitForSelector('#history tbody tr >> nth=1');
    const diff = await page.textContent('#diff pre');
    check(/^-\s+"max": 8$/m.test(diff) && /^\+\s+"max": 32$/m.test(diff) && /^ \s+"host": "db-1"$/m.test(diff), 'the diff shows the changed line: ' + diff);
    await shot(page, '05-history-diff');

    step('rollback with confirmation');
    await page.click(`#history tr[data-revision="${firstRevision}"] button.rollback`);
    await page.waitForSelector('#confirm');
    check((await api('GET', '/v1/kv/' + KEY)).body.value.pool.max === 32, 'nothing happens before the confirmation');
    await shot(page, '06-rollback-confirm');
    await page.click('#confirm-yes');
    await page.waitForSelector('#key-status .note.ok:has-text("Rolled back")');
    const rolledBack = (await api('GET', '/v1/kv/' + KEY)).body;
    check(rolledBack.value.pool.max === 8 && rolledBack.revision > edited.revision, 'rolled back as a new revision');
    await page.waitForFunction(() => document.querySelector('#value').textContent.includes('"max": 8'));

    step('a concurrent edit is refused, not overwritten');
    await page.click('#edit');
    await page.fill('#editor-text', JSON.stringify({pool: {max: 64}, host: 'db-1'}));
    const behindTheBack = await api('PUT', '/v1/kv/' + KEY, {pool: {max: 16}, host: 'db-2'});
    check(behindTheBack.status === 200, 'the change behind the browser\'s back');
    await page.click('#save');
    await page.waitForSelector('#key-status .note.error');
    const refused = await page.textContent('#key-status .note.error');
    check(refused.includes('Refused') && refused.includes(String(behindTheBack.body.revision)), 'refusal shown: ' + refused);
    const kept = (await api('GET', '/v1/kv/' + KEY)).body;
    check(kept.value.host === 'db-2' && kept.value.pool.max === 16, 'the other change was not overwritten');
    await shot(page, '07-concurrent-edit-refused');

    step('tokens page');
    await page.click('#nav a[data-view=tokens]');
    await page.waitForSelector('#token-list table');
    check((await page.textContent('#token-list')).includes(reader.name), 'the tokens are listed');
    await shot(page, '08-tokens');

    step('schemas page');
    await page.click('#nav a[data-view=schemas]');
    await page.fill('#schema-prefix', PREFIX + 'web');
    await page.fill('#schema-text', '{"type": "object", "required": ["color"]}');
    await page.click('#schema-form button[type=submit]');
    await page.waitForSelector(`#schema-list h2:text-is("${PREFIX}web")`);
    await shot(page, '09-schemas');
    check((await api('DELETE', '/v1/schemas/' + PREFIX + 'web')).status === 200, 'schema removed again');

    step('log out');
    await page.click('#logout');
    await page.waitForSelector('#login');
    const afterLogout = await fetch(BASE + '/v1/kv/' + KEY, {headers: {Cookie: `ssot_session=${session.value}`}});
    check(afterLogout.status === 401, 'the old session cookie is refused after logout: ' + afterLogout.status);
    await context.close();

    step('a read-only token sees no write buttons and gets 403');
    const readerContext = await browser.newContext({viewport: {width: 1280, height: 860}});
    const readerPage = await readerContext.newPage();
    watchForErrors(readerPage, errors);
    await login(readerPage, reader.token);
    check(await readerPage.isHidden('#nav a[data-view=tokens]'), 'no tokens page for a reader');
    await readerPage.goto(BASE + '/ui#/keys?' + new URLSearchParams({key: KEY}));
    await readerPage.waitForSelector('#history tbody tr');
    check(await readerPage.locator('#edit, #delete, button.rollback').count() === 0, 'no write buttons');
    await shot(readerPage, '10-read-only');
    const forced = await readerPage.evaluate(async key => {
      const who = await (await fetch('/ui/session')).json();
      const r = await fetch('/v1/kv/' + key, {method: 'PUT', headers: {'X-CSRF-Token': who.csrfToken,
        'Content-Type': 'application/json'}, body: '{"forced":true}'});
      return r.status;
    }, KEY);
    check(forced === 403, 'a write with the reader\'s session is 403: ' + forced);
    await readerContext.close();

    check(errors.length === 0, 'no errors in the pages: ' + errors.join(' | '));
  } catch (e) {
    for (const [i, context] of (browser ? browser.contexts() : []).entries()) {
      for (const [j, p] of context.pages().entries()) {
        await p.screenshot({path: join(SHOTS, `failed-${i}-${j}.png`), fullPage: true}).catch(() => {});
      }
    }
    throw e;
  } finally {
    if (browser) await browser.close();
    await api('DELETE', '/v1/tokens/' + operator.id);
    await api('DELETE', '/v1/tokens/' + reader.id);
    for (const k of [KEY, PREFIX + 'payments/flags', PREFIX + 'web/theme']) await api('DELETE', '/v1/kv/' + k);
  }
  console.log('ALL PASSED');
}

main().catch(e => {
  console.error('FAILED: ' + (e && e.stack || e));
  process.exit(1);
});
