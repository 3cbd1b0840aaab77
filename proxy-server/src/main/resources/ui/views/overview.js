// The overview: spend today and this month, top customers, health, refusals.

import { $, clear, h } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { int, plural, refusalLabel, relative, usd } from '../lib/format.js';
import { loadView } from '../lib/load.js';
import { defaultBudget, state } from '../lib/state.js';
import { barChart, badge, customerLink, emptyState, stat, table, tierLabel } from '../lib/widgets.js';

export function loadOverview() {
  return loadView('overview', {
    body: $('overview-body'),
    alert: $('overview-error'),
    fetch: () => Promise.all([api('GET', '/tollgate/overview'), api('GET', '/budget/list')]),
    render: ([o, budgets]) => {
      state.budgets = budgets;
      renderOverview(o);
    },
  });
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
  if (o.proxy_budget) {
    const b = o.proxy_budget;
    cards.append(stat('overview-proxy-budget', 'Proxy budget', `${usd(b.spend)} of ${usd(b.max_budget)}`,
      b.resets_at ? `all calls together · resets ${relative(b.resets_at)}` : 'all calls together · never resets'));
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
      : h('ul', { class: 'kv', 'data-testid': 'refusals' }, reasons.sort((a, b) => b[1] - a[1]).map(([r, n]) => h('li', {}, h('span', {}, refusalLabel(r)), h('span', { class: 'num' }, int(n))))));

  const deployments = h('div', { class: 'card' }, h('h2', {}, 'Deployments'),
    (o.deployments || []).length === 0 ? emptyState('deployments-empty', 'No deployments', 'Deployments of the config show here.')
      : table('deployments', [['Deployment'], ['Model'], ['State'], ['Cooldowns', 'num']], o.deployments.map((d) => h('tr', {},
        h('td', {}, d.model_id),
        h('td', {}, d.model),
        h('td', {}, d.cooling_down ? badge('cooling down', 'bad') : badge('available', 'ok')),
        h('td', { class: 'num' }, int(d.cooldowns || 0))))));

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
          h('td', {}, tierLabel(c.budget_id, defaultBudget())),
          h('td', { class: 'num' }, int(c.requests)),
          h('td', { class: 'num' }, usd(c.spend)))))));
  }
  left.append(health);
  right.append(refusals, deployments);
  const grid = h('div', { class: 'grid-overview' }, left, right);
  clear($('overview-body')).append(cards, grid);
}
