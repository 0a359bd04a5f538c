// The console's shell: login and logout, and hash routes (#/page/arg?filter=...) to the pages. The token is never
// put into the URL: it lives in sessionStorage and travels in a header.

import { call, session, whenUnauthorized } from './api.js';
import { show } from './dom.js';
import * as overview from './pages/overview.js';
import * as deadLetters from './pages/dead-letters.js';
import * as replays from './pages/replays.js';
import * as trace from './pages/trace.js';
import * as audit from './pages/audit.js';

const pages = { overview, 'dead-letters': deadLetters, replays, trace, audit };
// What an HTTP header can carry as it is (Latin-1, no control or format character); the server checks it again.
const OPERATOR_NAME = /^[\x20-\x7e\xa0-\xac\xae-\xff]{1,64}$/;

const $ = id => document.getElementById(id);
let current = { stop() {} };

function showLogin(message = '') {
  current.stop();
  $('view').hidden = true;
  $('nav').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  $('login-message').textContent = message;
  $('login-token').value = '';
  (session.operator ? $('login-token') : $('login-operator')).focus();
}

/** The route in the hash: page, the path after it and the query (filters, ids: never the token). */
function parseRoute() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const [page, ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: pages[page] ? page : 'overview', args: rest, params: new URLSearchParams(query) };
}

function route() {
  if (!session.active) {
    showLogin();
    return;
  }
  current.stop();
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('operator-name').textContent = session.operator;
  const { page, args, params } = parseRoute();
  for (const link of $('nav').querySelectorAll('a[href^="#/"]')) {
    link.classList.toggle('active', link.getAttribute('href') === `#/${page}`);
  }
  const view = $('view');
  view.hidden = false;
  view.dataset.page = page;
  show(view);
  current = context();
  pages[page].render(view, { args, params }, current);
}

/** What a page may use: alive() is false once the operator has moved on; every() repeats until then. */
function context() {
  const timers = [];
  let alive = true;
  return {
    alive: () => alive,
    every(ms, fn) {
      timers.push(setInterval(() => alive && fn(), ms));
    },
    stop() {
      alive = false;
      timers.forEach(clearInterval);
    },
  };
}

async function login(event) {
  event.preventDefault();
  const operator = $('login-operator').value.trim();
  const token = $('login-token').value;
  if (!OPERATOR_NAME.test(operator)) {
    $('login-message').textContent = 'operator name: 1 to 64 printable characters (Latin-1: letters, digits, punctuation, spaces)';
    return;
  }
  $('login-message').textContent = 'checking the token…';
  try {
    // Any protected endpoint says whether the token is right; this one is cheap.
    await call('GET', '/api/v1/dead-letters', { query: { limit: 1 }, token, operator });
  } catch (error) {
    if (error.status !== 401) {
      $('login-message').textContent = `the server did not answer as expected: ${error.message}`;
    }
    return;
  }
  session.start(operator, token);
  $('login-token').value = '';
  if (!window.location.hash || window.location.hash === '#/') {
    window.location.hash = '#/overview';
  }
  route();
}

whenUnauthorized(() => {
  session.end();
  showLogin('token refused: log in again with the service token');
});

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => {
    session.end();
    showLogin('logged out');
  });
  window.addEventListener('hashchange', route);
  route();
});
