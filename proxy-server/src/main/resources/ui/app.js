// Tollgate admin page. Plain ES module, no framework, no build step.
//
// Security rules this file keeps (the page shows ids chosen by untrusted API callers):
// - every value reaches the DOM as a text node or an attribute value, never as markup
//   (no HTML-parsing DOM property or method is used anywhere in this file);
// - no inline event handlers or style attributes (the page is served with CSP default-src 'self');
// - the master key lives in sessionStorage only and is sent to the admin API, nowhere else.

const KEY_STORAGE = 'tollgate.masterKey';
const PAGE_SIZE = 25;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DURATION_RE = /^[0-9]{1,9}(mo|s|m|h|d|w)$/;
const SVG_NS = 'http://www.w3.org/2000/svg';

// ---------------------------------------------------------------- DOM helpers

/** Builds an element. Strings and numbers among the children become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on/i.test(name) || name === 'style') throw new Error('refusing attribute ' + name);
    if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const $ = (id) => document.getElementById(id);

function clear(el) {
  el.replaceChildren();
  return el;
}

function show(el, on = true) {
  el.hidden = !on;
}

function setAlert(el, message) {
  el.textContent = message || '';
  show(el, Boolean(message));
}

// ---------------------------------------------------------------- formatting

const USD2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * USD with sensible precision: cents for amounts of a dollar or more and for whole cents
 * ($4.00, $0.50), three significant digits below that ($0.0012, $0.000345).
 */
export function usd(value) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a === 0) return '$0.00';
  if (a >= 0.995 || Math.abs(a * 100 - Math.round(a * 100)) < 1e-9) return USD2.format(n);
  const decimals = Math.min(9, Math.max(2, 2 - Math.floor(Math.log10(a))));
  let text = a.toFixed(decimals).replace(/0+$/, '');
  if (text.split('.')[1].length < 2) text = a.toFixed(2);
  return (n < 0 ? '-$' : '$') + text;
}

function int(value) {
  return value === null || value === undefined ? '—' : INT.format(Number(value));
}

function plural(n, word) {
  return `${INT.format(n)} ${word}${n === 1 ? '' : 's'}`;
}

const DURATION_UNITS = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month' };

function duration(text) {
  if (!text) return null;
  const m = /^([0-9]+)(mo|s|m|h|d|w)$/.exec(text);
  if (!m) return text;
  return plural(Number(m[1]), DURATION_UNITS[m[2]]);
}

function dateOnly(iso) {
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
}

function relative(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  const a = Math.abs(ms);
  const units = [['d', 86400000], ['h', 3600000], ['m', 60000]];
  let text = 'now';
  for (const [u, size] of units) {
    if (a >= size) {
      text = `${Math.round(a / size)}${u}`;
      break;
    }
  }
  if (text === 'now') return 'now';
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** A reset time as "Mar 3, 2026, 12:00 AM" with "in 29d" under it; muted "never" without one. */
function resetCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  return h('span', { class: 'stack nowrap', title: new Date(iso).toLocaleString() },
    h('span', {}, dateOnly(iso)), h('span', { class: 'sub' }, relative(iso)));
}

function limit(value) {
  return value === null || value === undefined ? h('span', { class: 'muted' }, 'unlimited') : int(value);
}

function isPrivateBudget(id) {
  return typeof id === 'string' && UUID_RE.test(id);
}

// ---------------------------------------------------------------- API client

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function storedKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** Calls the admin API; resolves to the JSON body or rejects with an ApiError carrying the server's message. */
async function api(method, path, body, key = storedKey()) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, `Cannot reach the proxy (${e.message}).`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const msg = json && json.error && json.error.message ? json.error.message
      : json && json.detail ? String(json.detail) : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg);
  }
  return json;
}

/** The message shown inline for a failed call; a rejected key says so plainly. */
function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return `The master key was rejected (401). ${err.message} Sign out and enter the right key.`;
    if (err.status === 0) return err.message;
    return `${err.message} (HTTP ${err.status})`;
  }
  return `Unexpected error: ${err && err.message ? err.message : err}`;
}

const qs = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== '')).toString();

// ---------------------------------------------------------------- routing

const views = ['login', 'overview', 'budgets', 'customers', 'customer'];

function route() {
  const key = storedKey();
  show($('tabs'), Boolean(key));
  show($('session'), Boolean(key));
  if (!key) {
    showView('login');
    $('admin-key').focus();
    return;
  }
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = hash.split('/');
  if (name === 'budgets') {
    showView('budgets');
    loadBudgets();
  } else if (name === 'customers' && rest.length > 0 && rest[0] !== '') {
    showView('customer', 'customers');
    loadCustomer(decodeURIComponent(rest.join('/')));
  } else if (name === 'customers') {
    showView('customers');
    loadCustomers();
  } else {
    showView('overview');
    loadOverview();
  }
}

function showView(name, tab = name) {
  for (const v of views) show($('view-' + v), v === name);
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---------------------------------------------------------------- sign in / out

async function signIn(event) {
  event.preventDefault();
  const key = $('admin-key').value.trim();
  const error = $('login-error');
  if (!key) {
    setAlert(error, 'Enter the master key.');
    return;
  }
  const button = $('login-submit');
  button.disabled = true;
  setAlert(error, '');
  try {
    await api('GET', '/budget/list', undefined, key);
    sessionStorage.setItem(KEY_STORAGE, key);
    $('admin-key').value = '';
    if (!location.hash || location.hash === '#/') location.hash = '#/overview';
    route();
  } catch (err) {
    setAlert(error, err instanceof ApiError && err.status === 401
      ? `That key was rejected (401): ${err.message}` : describe(err));
  } finally {
    button.disabled = false;
  }
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  for (const id of ['overview-body', 'budgets-body', 'customers-body', 'customer-body']) clear($(id));
  route();
}

// ---------------------------------------------------------------- shared widgets

function emptyState(testid, title, text) {
  return h('div', { class: 'empty', 'data-testid': testid }, h('p', { class: 'empty-title' }, title), text ? h('p', { class: 'muted' }, text) : null);
}

function loading() {
  return h('div', { class: 'loading' }, 'Loading…');
}

/** A remaining-budget bar: the share of the budget still available. */
function remainingBar(spend, max) {
  if (max === null || max === undefined) return h('span', { class: 'muted' }, 'no limit');
  const left = Math.max(0, Number(max) - Number(spend));
  const share = Number(max) > 0 ? left / Number(max) : 0;
  const fill = h('span', { class: 'bar-fill ' + (share <= 0.1 ? 'bar-low' : share <= 0.3 ? 'bar-mid' : 'bar-ok') });
  fill.style.width = `${Math.round(share * 1000) / 10}%`; // CSSOM, allowed under the CSP
  return h('span', { class: 'remaining', title: `${Math.round(share * 100)}% of ${usd(max)} left` },
    h('span', { class: 'remaining-text' }, usd(left)),
    h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(share * 100), 'aria-label': 'budget remaining' }, fill));
}

function badge(text, kind, attrs = {}) {
  return h('span', { class: `badge badge-${kind}`, ...attrs }, text);
}

function table(testid, headers, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', { 'data-testid': testid },
      h('thead', {}, h('tr', {}, headers.map(([label, cls]) => h('th', { class: cls || null, scope: 'col' }, label)))),
      h('tbody', {}, rows)));
}

function openDialog(dialog) {
  for (const e of dialog.querySelectorAll('.field-error')) e.textContent = '';
  for (const e of dialog.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  for (const e of dialog.querySelectorAll('.form-error')) setAlert(e, '');
  dialog.showModal();
}

function fieldError(input, message) {
  const slot = input.form.querySelector(`.field-error[data-for="${input.id}"]`);
  if (slot) slot.textContent = message || '';
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return !message;
}

/** Parses an optional USD amount; returns [value|null, error|null]. */
function parseMoney(text) {
  const t = text.trim().replace(/^\$/, '');
  if (t === '') return [null, null];
  if (!/^[0-9]+(\.[0-9]+)?$/.test(t)) return [null, 'Enter an amount in USD, e.g. 4 or 4.50.'];
  const n = Number(t);
  if (!(n > 0)) return [null, 'Must be more than $0.'];
  if (n > 1e9) return [null, 'Must be at most $1,000,000,000.'];
  return [n, null];
}

/** Parses an optional non-negative integer limit. */
function parseLimit(text) {
  const t = text.trim().replace(/[,_\s]/g, '');
  if (t === '') return [null, null];
  if (!/^[0-9]+$/.test(t)) return [null, 'Enter a whole number, or leave empty for no limit.'];
  const n = Number(t);
  if (n < 1) return [null, 'Must be at least 1 (empty = unlimited).'];
  if (n > Number.MAX_SAFE_INTEGER) return [null, 'Too large.'];
  return [n, null];
}

function parseDuration(text) {
  const t = text.trim();
  if (t === '') return [null, null];
  if (!DURATION_RE.test(t)) return [null, 'Use a number and a unit: s, m, h, d, w or mo (e.g. 30d, 1mo).'];
  return [t, null];
}

/** Validates the four limit fields shared by the budget form and "own budget"; returns the values or null. */
function readLimits(ids) {
  const [max, maxErr] = parseMoney($(ids.max).value);
  const [dur, durErr] = parseDuration($(ids.duration).value);
  const [rpm, rpmErr] = parseLimit($(ids.rpm).value);
  const [tpm, tpmErr] = parseLimit($(ids.tpm).value);
  const ok = [fieldError($(ids.max), maxErr), fieldError($(ids.duration), durErr), fieldError($(ids.rpm), rpmErr), fieldError($(ids.tpm), tpmErr)];
  return ok.every(Boolean) ? { max_budget: max, budget_duration: dur, rpm_limit: rpm, tpm_limit: tpm } : null;
}

// ---------------------------------------------------------------- overview

let overviewSeq = 0;

async function loadOverview() {
  const seq = ++overviewSeq;
  const body = $('overview-body');
  if (!body.firstChild) body.append(loading());
  setAlert($('overview-error'), '');
  try {
    const o = await api('GET', '/tollgate/overview');
    if (seq !== overviewSeq) return;
    renderOverview(o);
  } catch (err) {
    if (seq !== overviewSeq) return;
    clear(body);
    setAlert($('overview-error'), describe(err));
  }
}

function stat(testid, label, value, sub) {
  return h('div', { class: 'card stat' },
    h('p', { class: 'stat-label' }, label),
    h('p', { class: 'stat-value', 'data-testid': testid }, value),
    sub ? h('p', { class: 'stat-sub' }, sub) : null);
}

function healthItem(testid, name, ok, detail) {
  return h('li', { class: 'health-item', 'data-testid': testid, 'data-ok': ok ? 'true' : 'false' },
    h('span', { class: `dot ${ok ? 'dot-ok' : 'dot-bad'}`, 'aria-hidden': 'true' }),
    h('span', { class: 'health-name' }, name),
    h('span', { class: `health-state ${ok ? 'ok' : 'bad'}` }, ok ? 'OK' : 'Problem'),
    h('span', { class: 'health-detail' }, detail));
}

function renderOverview(o) {
  const hl = o.health;
  const flush = hl.spend_flush;
  $('overview-note').textContent = `Spend comes from the database as of the last spend flush (every ${plural(flush.interval_seconds, 'second')}); days are UTC. Tollgate ${o.version}.`;
  const cards = h('div', { class: 'stats' });
  if (o.spend) {
    cards.append(
      stat('overview-spend-today', 'Spend today', usd(o.spend.today.spend), `${plural(o.spend.today.requests, 'request')} · ${int(o.spend.today.prompt_tokens + o.spend.today.completion_tokens)} tokens`),
      stat('overview-spend-month', 'Spend this month', usd(o.spend.month.spend), `${plural(o.spend.month.requests, 'request')} since ${o.spend.month_start}`),
      stat('overview-customers', 'Customers', int(o.counts.customers), `${int(o.counts.blocked_customers)} blocked · ${plural(o.counts.budgets, 'budget')}`));
  }
  cards.append(stat('overview-refusals', 'Refused calls', int(o.refusals.total), `since the proxy started (${relative(o.refusals.since)})`));

  const health = h('div', { class: 'card' }, h('h2', {}, 'Health'), h('ul', { class: 'health' },
    healthItem('health-db', 'Database', hl.database.ok, hl.database.ok ? `${hl.database.kind} · ${hl.database.latency_ms} ms` : `${hl.database.kind}: ${hl.database.error}`),
    healthItem('health-redis', 'Redis', hl.redis.ok, hl.redis.kind === 'redis'
      ? (hl.redis.ok ? `connected · ${hl.redis.latency_ms} ms` : `${hl.redis.error}`)
      : 'not configured: limits are kept in this process'),
    healthItem('health-flush', 'Spend flush', flush.ok, (flush.last_success_at ? `last success ${relative(flush.last_success_at)}` : 'no flush yet')
      + (flush.failed_batches ? ` · ${plural(flush.failed_batches, 'failed batch')}`.replace('batchs', 'batches') : ''))));

  const reasons = Object.entries(o.refusals.by_reason).filter(([, n]) => n > 0);
  const refusals = h('div', { class: 'card' }, h('h2', {}, 'Refusals by reason'),
    reasons.length === 0 ? emptyState('refusals-empty', 'No refused calls', 'Budget, rate-limit and blocked refusals since start show here.')
      : h('ul', { class: 'kv', 'data-testid': 'refusals' }, reasons.sort((a, b) => b[1] - a[1]).map(([r, n]) => h('li', {}, h('span', {}, reasonLabel(r)), h('span', { class: 'num' }, int(n))))));

  const left = h('div', { class: 'column' });
  const right = h('div', { class: 'column' });
  if (o.daily) {
    left.append(h('div', { class: 'card' }, h('h2', {}, 'Spend per day (last 14 days)'),
      barChart(o.daily.map((d) => ({ label: d.date.slice(5), value: Number(d.spend), title: `${d.date}: ${usd(d.spend)}, ${plural(d.requests, 'request')}` })), 'overview-daily-chart')));
    const top = o.top_customers;
    right.append(h('div', { class: 'card' }, h('h2', {}, 'Top customers this month'),
      top.length === 0 ? emptyState('top-empty', 'No spend this month yet', 'Customers appear here after their first call is flushed.')
        : table('top-customers', [['Customer'], ['Tier'], ['Requests', 'num'], ['Spend', 'num']], top.map((c) => h('tr', {},
          h('td', {}, customerLink(c.user_id, c.alias), c.blocked ? badge('blocked', 'bad') : null),
          h('td', {}, tierLabel(c.budget_id)),
          h('td', { class: 'num' }, int(c.requests)),
          h('td', { class: 'num' }, usd(c.spend)))))));
  }
  left.append(health);
  right.append(refusals);
  const grid = h('div', { class: 'grid-overview' }, left, right);
  clear($('overview-body')).append(cards, grid);
}

function reasonLabel(r) {
  return { budget: 'Budget exceeded', rpm: 'Requests per minute', tpm: 'Tokens per minute', blocked: 'Customer blocked', auth: 'Bad or missing key', no_customer: 'No customer id', store_unavailable: 'Limit store unavailable' }[r] || r;
}

/** A small SVG bar chart; values are drawn with attributes, labels as text nodes. */
function barChart(points, testid, { height = 140, format = usd } = {}) {
  const max = Math.max(0, ...points.map((p) => p.value));
  const n = points.length;
  const w = 100 / Math.max(1, n);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 100 ${height / 4}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'bar chart' });
  const inner = height / 4;
  points.forEach((p, i) => {
    const bh = max > 0 ? (p.value / max) * (inner - 1) : 0;
    const rect = svg('rect', { x: (i * w + w * 0.15).toFixed(3), y: (inner - Math.max(bh, p.value > 0 ? 0.6 : 0.25)).toFixed(3), width: (w * 0.7).toFixed(3), height: Math.max(bh, p.value > 0 ? 0.6 : 0.25).toFixed(3), class: p.value > 0 ? 'chart-bar' : 'chart-zero' },
      svg('title', {}, p.title || `${p.label}: ${format(p.value)}`));
    chart.append(rect);
  });
  const labels = h('div', { class: 'chart-labels' }, points.map((p, i) => h('span', { class: i % Math.ceil(n / 7) === 0 || i === n - 1 ? '' : 'hide' }, p.label)));
  return h('div', { class: 'chart-box', 'data-testid': testid },
    h('div', { class: 'chart-scale' }, h('span', {}, format(max)), h('span', {}, format(0))),
    h('div', { class: 'chart-area' }, chart, labels));
}

/** Horizontal bars, one per labelled value (spend per model). */
function hbars(items, testid) {
  const max = Math.max(0, ...items.map((i) => i.value));
  return h('ul', { class: 'hbars', 'data-testid': testid }, items.map((i) => {
    const fill = h('span', { class: 'hbar-fill' });
    fill.style.width = `${max > 0 ? Math.max(1, (i.value / max) * 100) : 0}%`;
    return h('li', {}, h('span', { class: 'hbar-label', title: i.label }, i.label), h('span', { class: 'hbar' }, fill), h('span', { class: 'num' }, i.text));
  }));
}

function customerLink(id, alias) {
  const a = h('a', { href: '#/customers/' + encodeURIComponent(id), class: 'cust-link', 'data-testid': 'customer-link' }, id);
  return alias ? h('span', { class: 'stack' }, a, h('span', { class: 'sub' }, alias)) : a;
}

function tierLabel(budgetId) {
  if (!budgetId) return h('span', { class: 'muted', title: 'No budget of its own: the default end-user budget applies if one is configured' }, 'default');
  if (isPrivateBudget(budgetId)) return badge('own budget', 'neutral', { title: budgetId });
  return h('span', { class: 'tier' }, budgetId);
}

// ---------------------------------------------------------------- budgets

let budgetsSeq = 0;
let budgetCache = [];

async function loadBudgets() {
  const seq = ++budgetsSeq;
  const body = $('budgets-body');
  if (!body.firstChild) body.append(loading());
  setAlert($('budgets-error'), '');
  try {
    const list = await api('GET', '/budget/list');
    if (seq !== budgetsSeq) return;
    budgetCache = list;
    renderBudgets();
  } catch (err) {
    if (seq !== budgetsSeq) return;
    clear(body);
    show($('budgets-private-toggle'), false);
    setAlert($('budgets-error'), describe(err));
  }
}

function renderBudgets() {
  const showPrivate = $('budgets-show-private').checked;
  const privateCount = budgetCache.filter((b) => isPrivateBudget(b.budget_id)).length;
  const rows = budgetCache.filter((b) => showPrivate || !isPrivateBudget(b.budget_id))
    .sort((a, b) => a.budget_id.localeCompare(b.budget_id));
  const body = clear($('budgets-body'));
  show($('budgets-private-toggle'), privateCount > 0);
  $('budgets-private-label').textContent = `Show ${plural(privateCount, 'customer-specific budget')}`;
  if (rows.length === 0) {
    body.append(emptyState('budgets-empty', 'No pricing tiers yet', 'Create one with “+ Create Budget”, e.g. my-free-tier with a $4 budget that resets every 30 days.'));
    return;
  }
  body.append(table('budgets-table', [['Budget ID'], ['Max budget', 'num'], ['Resets every'], ['Next reset'], ['RPM', 'num'], ['TPM', 'num'], ['Customers', 'num'], ['', 'cell-actions']],
    rows.map((b) => h('tr', { 'data-testid': 'budget-row', 'data-budget-id': b.budget_id },
      h('td', { 'data-testid': 'budget-cell-id' }, isPrivateBudget(b.budget_id) ? h('span', { class: 'stack' }, h('span', { class: 'mono' }, b.budget_id), h('span', { class: 'sub' }, 'customer-specific')) : h('span', { class: 'tier' }, b.budget_id)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-max' }, b.max_budget === null ? h('span', { class: 'muted' }, 'no limit') : usd(b.max_budget)),
      h('td', { 'data-testid': 'budget-cell-duration' }, duration(b.budget_duration) || h('span', { class: 'muted' }, 'never')),
      h('td', {}, resetCell(b.budget_reset_at)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-rpm' }, limit(b.rpm_limit)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-tpm' }, limit(b.tpm_limit)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-customers' }, int(b.customer_count)),
      h('td', { class: 'cell-actions' }, h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'budget-edit', 'data-action': 'edit' }, 'Edit'),
        h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', 'data-testid': 'budget-delete', 'data-action': 'delete' }, 'Delete')))))));
}

let editingBudget = null;

function openBudgetForm(budget) {
  editingBudget = budget;
  const id = $('budget-id');
  id.value = budget ? budget.budget_id : '';
  id.readOnly = Boolean(budget);
  $('budget-max').value = budget && budget.max_budget !== null ? String(budget.max_budget) : '';
  $('budget-duration').value = budget && budget.budget_duration ? budget.budget_duration : '';
  $('budget-rpm').value = budget && budget.rpm_limit !== null ? String(budget.rpm_limit) : '';
  $('budget-tpm').value = budget && budget.tpm_limit !== null ? String(budget.tpm_limit) : '';
  $('budget-form-title').textContent = budget ? `Edit budget “${budget.budget_id}”` : 'Create budget';
  $('budget-save').textContent = budget ? 'Save changes' : 'Create budget';
  openDialog($('budget-dialog'));
  (budget ? $('budget-max') : id).focus();
}

async function saveBudget(event) {
  event.preventDefault();
  const idInput = $('budget-id');
  const id = idInput.value.trim();
  let idErr = null;
  if (!editingBudget) {
    if (!id) idErr = 'Give the tier an id, e.g. my-free-tier.';
    else if (id.length > 256) idErr = 'At most 256 characters.';
    else if (/\s/.test(id)) idErr = 'No spaces: use letters, digits, - or _.';
  }
  const idOk = fieldError(idInput, idErr);
  const limits = readLimits({ max: 'budget-max', duration: 'budget-duration', rpm: 'budget-rpm', tpm: 'budget-tpm' });
  if (!idOk || !limits) return;
  const error = $('budget-form-error');
  setAlert(error, '');
  const button = $('budget-save');
  button.disabled = true;
  try {
    if (editingBudget) {
      await api('POST', '/budget/update', { budget_id: editingBudget.budget_id, ...limits });
    } else {
      const body = { budget_id: id };
      for (const [k, v] of Object.entries(limits)) if (v !== null) body[k] = v;
      await api('POST', '/budget/new', body);
    }
    $('budget-dialog').close();
    await loadBudgets();
  } catch (err) {
    setAlert(error, describe(err));
  } finally {
    button.disabled = false;
  }
}

let confirmAction = null;

function askConfirm(title, text, okLabel, action) {
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  confirmAction = action;
  openDialog($('confirm-dialog'));
}

async function runConfirm(event) {
  event.preventDefault();
  const button = $('confirm-ok');
  button.disabled = true;
  try {
    await confirmAction();
    $('confirm-dialog').close();
  } catch (err) {
    setAlert($('confirm-error'), describe(err));
  } finally {
    button.disabled = false;
  }
}

function onBudgetAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('tr').dataset.budgetId;
  const budget = budgetCache.find((b) => b.budget_id === id);
  if (!budget) return;
  if (button.dataset.action === 'edit') {
    openBudgetForm(budget);
  } else {
    askConfirm(`Delete budget “${id}”?`, budget.customer_count > 0
      ? `${plural(budget.customer_count, 'customer')} ${budget.customer_count === 1 ? 'uses' : 'use'} this budget; the proxy refuses to delete it until ${budget.customer_count === 1 ? 'it is' : 'they are'} moved to another tier.`
      : 'No customer uses it. This cannot be undone.', 'Delete budget', async () => {
      await api('POST', '/budget/delete', { id });
      await loadBudgets();
    });
  }
}

// ---------------------------------------------------------------- customers

const customerState = { page: 1, q: '' };
let customersSeq = 0;
let customerCache = [];

async function loadCustomers() {
  const seq = ++customersSeq;
  const body = $('customers-body');
  if (!body.firstChild) body.append(loading());
  setAlert($('customers-error'), '');
  $('customer-search').value = customerState.q;
  try {
    const list = await api('GET', '/customer/list?' + qs({ page: customerState.page, page_size: PAGE_SIZE, q: customerState.q }));
    if (seq !== customersSeq) return;
    customerCache = list;
    renderCustomers(list);
  } catch (err) {
    if (seq !== customersSeq) return;
    clear(body);
    setAlert($('customers-error'), describe(err));
  }
}

function renderCustomers(list) {
  const body = clear($('customers-body'));
  const { page, q } = customerState;
  $('customers-page').textContent = list.length === 0 && page === 1 ? '' : `Page ${page} · ${(page - 1) * PAGE_SIZE + (list.length ? 1 : 0)}–${(page - 1) * PAGE_SIZE + list.length}`;
  $('customers-prev').disabled = page <= 1;
  $('customers-next').disabled = list.length < PAGE_SIZE;
  if (list.length === 0) {
    body.append(q ? emptyState('customers-empty', 'No customer matches', `Nothing matches “${q}” in ids or aliases.`)
      : page > 1 ? emptyState('customers-empty', 'No more customers', 'Go back to the previous page.')
        : emptyState('customers-empty', 'No customers yet', 'Customers appear on their first call with a user id, or create one with “+ New customer”.'));
    return;
  }
  body.append(table('customers-table', [['Customer'], ['Tier'], ['Spend', 'num'], ['Max', 'num'], ['Remaining'], ['Next reset'], ['Status'], ['', 'cell-actions']],
    list.map((c) => {
      const b = c.litellm_budget_table;
      const max = b ? b.max_budget : null;
      return h('tr', { 'data-testid': 'customer-row', 'data-customer-id': c.user_id },
        h('td', { 'data-testid': 'customer-cell-id' }, customerLink(c.user_id, c.alias)),
        h('td', { 'data-testid': 'customer-cell-tier' }, tierLabel(c.budget_id)),
        h('td', { class: 'num', 'data-testid': 'customer-cell-spend' }, usd(c.spend)),
        h('td', { class: 'num', 'data-testid': 'customer-cell-max' }, max === null ? h('span', { class: 'muted' }, '—') : usd(max)),
        h('td', { 'data-testid': 'customer-cell-remaining' }, remainingBar(c.spend, max)),
        h('td', {}, b ? resetCell(b.budget_reset_at) : h('span', { class: 'muted' }, '—')),
        h('td', { 'data-testid': 'customer-cell-status' }, c.blocked ? badge('Blocked', 'bad') : badge('Active', 'ok')),
        h('td', { class: 'cell-actions' }, h('div', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'customer-change-tier', 'data-action': 'tier' }, 'Change tier'),
          c.blocked
            ? h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'customer-unblock', 'data-action': 'unblock' }, 'Unblock')
            : h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', 'data-testid': 'customer-block', 'data-action': 'block' }, 'Block'))));
    })));
}

async function onCustomerAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('[data-customer-id]').dataset.customerId;
  const action = button.dataset.action;
  const errorEl = button.closest('#view-customer') ? $('customer-error') : $('customers-error');
  if (action === 'tier') {
    openTierForm(id, (customerCache.find((c) => c.user_id === id) || currentCustomer || {}).budget_id);
    return;
  }
  button.disabled = true;
  try {
    await api('POST', action === 'block' ? '/customer/block' : '/customer/unblock', { user_ids: [id] });
    setAlert(errorEl, '');
    route();
  } catch (err) {
    setAlert(errorEl, describe(err));
    button.disabled = false;
  }
}

async function budgetOptions(select, selected, { withPlaceholder = false } = {}) {
  clear(select).append(h('option', { value: '' }, 'Loading tiers…'));
  const list = await api('GET', '/budget/list');
  budgetCache = list;
  const tiers = list.filter((b) => !isPrivateBudget(b.budget_id)).sort((a, b) => a.budget_id.localeCompare(b.budget_id));
  clear(select);
  if (withPlaceholder || tiers.length === 0) select.append(h('option', { value: '' }, tiers.length ? 'Choose a tier…' : 'No tiers yet: create one on the Budgets tab'));
  for (const b of tiers) {
    const parts = [b.max_budget === null ? 'no spend limit' : `${usd(b.max_budget)}${b.budget_duration ? ' / ' + b.budget_duration : ''}`];
    if (b.rpm_limit !== null) parts.push(`${int(b.rpm_limit)} RPM`);
    if (b.tpm_limit !== null) parts.push(`${int(b.tpm_limit)} TPM`);
    select.append(h('option', { value: b.budget_id, selected: b.budget_id === selected }, `${b.budget_id} (${parts.join(', ')})`));
  }
}

async function openCustomerForm() {
  const form = $('customer-form');
  form.reset();
  syncCustomerMode();
  openDialog($('customer-dialog'));
  $('customer-id').focus();
  try {
    await budgetOptions($('customer-tier'), null, { withPlaceholder: true });
  } catch (err) {
    setAlert($('customer-form-error'), describe(err));
  }
}

function customerMode() {
  return document.querySelector('input[name="customer-mode"]:checked').value;
}

function syncCustomerMode() {
  const mode = customerMode();
  show($('customer-tier-field'), mode === 'tier');
  show($('customer-own-fields'), mode === 'own');
}

async function saveCustomer(event) {
  event.preventDefault();
  const idInput = $('customer-id');
  const id = idInput.value.trim();
  const idOk = fieldError(idInput, !id ? 'Enter the id the customer sends as user.' : id.length > 256 ? 'At most 256 characters.' : null);
  const body = { user_id: id };
  const alias = $('customer-alias').value.trim();
  if (alias) body.alias = alias;
  const mode = customerMode();
  let ok = idOk;
  if (mode === 'tier') {
    const tier = $('customer-tier').value;
    ok = fieldError($('customer-tier'), tier ? null : 'Choose a tier, or pick another budget option.') && ok;
    body.budget_id = tier;
  } else if (mode === 'own') {
    const limits = readLimits({ max: 'customer-max', duration: 'customer-duration', rpm: 'customer-rpm', tpm: 'customer-tpm' });
    if (!limits) ok = false;
    else if (Object.values(limits).every((v) => v === null)) ok = fieldError($('customer-max'), 'Set at least one limit.') && false;
    else for (const [k, v] of Object.entries(limits)) if (v !== null) body[k] = v;
  }
  if (!ok) return;
  const error = $('customer-form-error');
  setAlert(error, '');
  try {
    await api('POST', '/customer/new', body);
    $('customer-dialog').close();
    customerState.q = '';
    route();
  } catch (err) {
    setAlert(error, describe(err));
  }
}

let tierTarget = null;

async function openTierForm(id, current) {
  tierTarget = id;
  $('tier-for').textContent = `Customer: ${id}`;
  openDialog($('tier-dialog'));
  try {
    await budgetOptions($('tier-select'), current, { withPlaceholder: !current || isPrivateBudget(current) });
  } catch (err) {
    setAlert($('tier-form-error'), describe(err));
  }
}

async function saveTier(event) {
  event.preventDefault();
  const tier = $('tier-select').value;
  if (!tier) {
    setAlert($('tier-form-error'), 'Choose a tier.');
    return;
  }
  try {
    await api('POST', '/customer/update', { user_id: tierTarget, budget_id: tier });
    $('tier-dialog').close();
    route();
  } catch (err) {
    setAlert($('tier-form-error'), describe(err));
  }
}

// ---------------------------------------------------------------- customer detail

let currentCustomer = null;
let customerSeq = 0;

async function loadCustomer(id) {
  const seq = ++customerSeq;
  const body = clear($('customer-body'));
  body.append(loading());
  setAlert($('customer-error'), '');
  try {
    const [info, activity] = await Promise.all([
      api('GET', '/customer/info?' + qs({ end_user_id: id })),
      api('GET', '/customer/daily/activity?' + qs({ end_user_ids: id, page_size: 31 })),
    ]);
    if (seq !== customerSeq) return;
    currentCustomer = info;
    renderCustomer(info, activity);
  } catch (err) {
    if (seq !== customerSeq) return;
    clear(body);
    setAlert($('customer-error'), describe(err));
  }
}

function renderCustomer(c, activity) {
  const b = c.litellm_budget_table;
  const max = b ? b.max_budget : null;
  const body = clear($('customer-body'));
  body.setAttribute('data-customer-id', c.user_id);
  body.append(h('div', { class: 'view-head' },
    h('div', {},
      h('h1', { class: 'detail-title' }, h('span', { 'data-testid': 'detail-id' }, c.user_id), ' ', c.blocked ? badge('Blocked', 'bad') : badge('Active', 'ok')),
      h('p', { class: 'muted' }, c.alias ? `Alias: ${c.alias}` : 'No alias')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', 'data-testid': 'customer-change-tier', 'data-action': 'tier' }, 'Change tier'),
      c.blocked
        ? h('button', { type: 'button', class: 'btn', 'data-testid': 'customer-unblock', 'data-action': 'unblock' }, 'Unblock')
        : h('button', { type: 'button', class: 'btn btn-danger-ghost', 'data-testid': 'customer-block', 'data-action': 'block' }, 'Block'))));

  body.append(h('div', { class: 'stats' },
    stat('detail-spend', 'Spend this period', usd(c.spend), 'live, including calls not yet flushed'),
    h('div', { class: 'card stat' }, h('p', { class: 'stat-label' }, 'Remaining'), h('div', { class: 'stat-value' }, remainingBar(c.spend, max)),
      h('p', { class: 'stat-sub' }, max === null ? 'no spend limit' : `of ${usd(max)}${b && b.budget_duration ? ' per ' + duration(b.budget_duration).replace(/^1 /, '') : ''}`)),
    h('div', { class: 'card stat' }, h('p', { class: 'stat-label' }, 'Tier'), h('div', { class: 'stat-value small' }, tierLabel(c.budget_id)),
      h('p', { class: 'stat-sub' }, b ? `${b.rpm_limit === null ? 'unlimited' : int(b.rpm_limit)} RPM · ${b.tpm_limit === null ? 'unlimited' : int(b.tpm_limit)} TPM` : 'no limits of its own')),
    h('div', { class: 'card stat' }, h('p', { class: 'stat-label' }, 'Next reset'), h('div', { class: 'stat-value small' }, b ? resetCell(b.budget_reset_at) : h('span', { class: 'muted' }, '—')))));

  const days = [...activity.results].reverse();
  const byDay = new Map(days.map((d) => [d.date, d]));
  const series = [];
  const end = new Date();
  for (let i = 29; i >= 0; i--) {
    const d = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() - i)).toISOString().slice(0, 10);
    const r = byDay.get(d);
    series.push({ label: d.slice(5), value: r ? Number(r.metrics.spend) : 0, title: `${d}: ${usd(r ? r.metrics.spend : 0)}, ${plural(r ? r.metrics.api_requests : 0, 'request')}` });
  }
  const models = new Map();
  for (const d of activity.results) {
    for (const [m, v] of Object.entries(d.breakdown.models)) {
      const cur = models.get(m) || { spend: 0, requests: 0, tokens: 0 };
      cur.spend += Number(v.metrics.spend);
      cur.requests += v.metrics.api_requests;
      cur.tokens += v.metrics.total_tokens;
      models.set(m, cur);
    }
  }
  const meta = activity.metadata;
  const hasUsage = activity.results.length > 0;
  body.append(h('div', { class: 'grid-overview' },
    h('div', { class: 'card span2' }, h('h2', {}, 'Spend per day (last 30 days, UTC)'),
      hasUsage ? barChart(series, 'daily-chart') : emptyState('daily-empty', 'No usage recorded yet', 'Calls show here after the next spend flush.'),
      hasUsage ? h('p', { class: 'muted small' }, `${usd(meta.total_spend)} over ${plural(meta.total_api_requests, 'request')} · ${int(meta.total_tokens)} tokens`) : null),
    h('div', { class: 'card span2' }, h('h2', {}, 'Spend per model (last 30 days)'),
      models.size === 0 ? emptyState('models-empty', 'No models used yet', null)
        : hbars([...models.entries()].sort((a, b) => b[1].spend - a[1].spend).map(([m, v]) => ({ label: m, value: v.spend, text: `${usd(v.spend)} · ${plural(v.requests, 'call')}` })), 'model-chart'))));
}

// ---------------------------------------------------------------- wiring

function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

function init() {
  $('login-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('overview-refresh').addEventListener('click', loadOverview);
  $('create-budget').addEventListener('click', () => openBudgetForm(null));
  $('budget-form').addEventListener('submit', saveBudget);
  $('budgets-body').addEventListener('click', onBudgetAction);
  $('budgets-show-private').addEventListener('change', renderBudgets);
  $('confirm-form').addEventListener('submit', runConfirm);
  $('create-customer').addEventListener('click', openCustomerForm);
  $('customer-form').addEventListener('submit', saveCustomer);
  $('customer-tier').addEventListener('change', () => fieldError($('customer-tier'), null));
  for (const r of document.querySelectorAll('input[name="customer-mode"]')) r.addEventListener('change', syncCustomerMode);
  $('tier-form').addEventListener('submit', saveTier);
  $('customers-body').addEventListener('click', onCustomerAction);
  $('customer-body').addEventListener('click', onCustomerAction);
  $('customers-prev').addEventListener('click', () => {
    customerState.page = Math.max(1, customerState.page - 1);
    loadCustomers();
  });
  $('customers-next').addEventListener('click', () => {
    customerState.page += 1;
    loadCustomers();
  });
  $('customer-search').addEventListener('input', debounce((e) => {
    customerState.q = e.target.value.trim();
    customerState.page = 1;
    loadCustomers();
  }, 250));
  for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());
  window.addEventListener('hashchange', route);
  route();
}

init();
