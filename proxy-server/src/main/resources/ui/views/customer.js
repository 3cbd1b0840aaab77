// One customer: live spend, remaining budget, tier, next reset, spend per day and per model.

import { $, clear, h } from '../lib/dom.js';
import { api, qs } from '../lib/api.js';
import { budgetOf, customerStatus, duration, int, plural, usd } from '../lib/format.js';
import { loadView } from '../lib/load.js';
import { defaultBudget, state } from '../lib/state.js';
import { barChart, emptyState, hbars, remainingBar, resetCell, stat, statusBadge, tierLabel } from '../lib/widgets.js';
import { rowActions } from './customers.js';

const CHART_DAYS = 30;

export function loadCustomer(id) {
  return loadView('customer', {
    body: $('customer-body'),
    alert: $('customer-error'),
    fresh: true,
    fetch: () => Promise.all([
      api('GET', '/customer/info?' + qs({ end_user_id: id })),
      api('GET', '/customer/daily/activity?' + qs({ end_user_ids: id, page_size: CHART_DAYS + 1 })),
      api('GET', '/budget/list'),
    ]),
    render: ([info, activity, budgets]) => {
      state.currentCustomer = info;
      state.budgets = budgets;
      renderCustomer(info, activity);
    },
  });
}

function renderCustomer(c, activity) {
  const fallback = defaultBudget();
  const b = budgetOf(c, fallback);
  const max = b ? b.max_budget : null;
  const body = clear($('customer-body'));
  body.setAttribute('data-customer-id', c.user_id);
  body.append(h('div', { class: 'view-head' },
    h('div', {},
      h('h1', { class: 'detail-title' }, h('span', { 'data-testid': 'detail-id' }, c.user_id), ' ', statusBadge(customerStatus(c, b))),
      h('p', { class: 'muted' }, c.alias ? `Alias: ${c.alias}` : 'No alias')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', 'data-testid': 'customer-set-region', 'data-action': 'routing' }, 'Set region'),
      rowActions(c, ''))));

  body.append(h('div', { class: 'stats' },
    stat('detail-spend', 'Spend this period', usd(c.spend), 'live, including calls not yet flushed'),
    h('div', { class: 'card stat' }, h('p', { class: 'stat-label' }, 'Remaining'), h('div', { class: 'stat-value' }, remainingBar(c.spend, max)),
      h('p', { class: 'stat-sub' }, max === null ? 'no spend limit' : `of ${usd(max)}${b && b.budget_duration ? ' per ' + duration(b.budget_duration).replace(/^1 /, '') : ''}`)),
    h('div', { class: 'card stat' }, h('p', { class: 'stat-label' }, 'Tier'), h('div', { class: 'stat-value small' }, tierLabel(c.budget_id, fallback)),
      h('p', { class: 'stat-sub' }, b ? `${b.rpm_limit === null ? 'unlimited' : int(b.rpm_limit)} RPM · ${b.tpm_limit === null ? 'unlimited' : int(b.tpm_limit)} TPM` : 'no limits')),
    h('div', { class: 'card stat' }, h('p', { class: 'stat-label' }, 'Next reset'), h('div', { class: 'stat-value small' }, b ? resetCell(b.budget_reset_at) : h('span', { class: 'muted' }, '—')))));

  body.append(h('div', { class: 'stats' },
    stat('detail-region', 'Region', c.allowed_model_region ? c.allowed_model_region : 'any',
      c.default_model ? `default model: ${c.default_model}` : 'no default model'),
    stat('detail-soft', 'Soft budget', b && b.soft_budget !== null ? usd(b.soft_budget) : 'none',
      b && b.soft_budget !== null ? (Number(c.spend) >= Number(b.soft_budget) ? 'passed: calls carry x-litellm-soft-budget-exceeded' : 'not reached') : 'no alert level'),
    stat('detail-parallel', 'Parallel requests', b && b.max_parallel_requests !== null ? int(b.max_parallel_requests) : 'unlimited',
      typeof c.in_flight === 'number' ? `${int(c.in_flight)} in flight now` : 'calls in flight at once')));

  const modelBudgets = modelBudgetCard(c, b);
  if (modelBudgets) body.append(h('div', { class: 'grid-overview' }, modelBudgets));

  const hasUsage = activity.results.length > 0;
  const meta = activity.metadata;
  const models = spendPerModel(activity.results);
  body.append(h('div', { class: 'grid-overview' },
    h('div', { class: 'card span2' }, h('h2', {}, `Spend per day (last ${CHART_DAYS} days, UTC)`),
      hasUsage ? barChart(dailySeries(activity.results), 'daily-chart') : emptyState('daily-empty', 'No usage recorded yet', 'Calls show here after the next spend flush.'),
      hasUsage ? h('p', { class: 'muted small' }, `${usd(meta.total_spend)} over ${plural(meta.total_api_requests, 'request')} · ${int(meta.total_tokens)} tokens`) : null),
    h('div', { class: 'card span2' }, h('h2', {}, `Spend per model (last ${CHART_DAYS} days)`),
      models.length === 0 ? emptyState('models-empty', 'No models used yet', null)
        : hbars(models.map(([m, v]) => ({ label: m, value: v.spend, text: `${usd(v.spend)} · ${plural(v.requests, 'call')}` })), 'model-chart'))));
}

/**
 * The customer's model_max_budget entries with this period's spend of each (from /customer/info's
 * model_spend): a remaining-budget bar per entry with a max budget, and its limits.
 */
function modelBudgetCard(c, b) {
  if (!c.model_spend) return null;
  const entries = (b && b.model_max_budget) || {};
  const items = Object.keys(c.model_spend).map((m) => {
    const e = entries[m] || {};
    const spent = c.model_spend[m];
    const max = e.max_budget === undefined ? null : e.max_budget;
    const limits = [
      max !== null ? `${usd(spent)} of ${usd(max)}` : `${usd(spent)} spent`,
      e.budget_duration ? `per ${duration(e.budget_duration).replace(/^1 /, '')}` : null,
      e.rpm_limit !== undefined ? `${int(e.rpm_limit)} RPM` : null,
      e.tpm_limit !== undefined ? `${int(e.tpm_limit)} TPM` : null,
    ].filter(Boolean).join(' · ');
    return h('li', { 'data-testid': 'model-budget-row', 'data-model': m },
      h('span', { class: 'hbar-label', title: m }, m),
      remainingBar(spent, max),
      h('span', { class: 'num', 'data-testid': 'model-budget-text' }, limits));
  });
  return h('div', { class: 'card span2', 'data-testid': 'model-budgets' }, h('h2', {}, 'Model budgets (this period)'),
    h('ul', { class: 'hbars' }, items));
}

/** One bar per UTC day of the last {@link CHART_DAYS}, days without usage at zero. */
function dailySeries(results) {
  const byDay = new Map(results.map((d) => [d.date, d]));
  const series = [];
  const end = new Date();
  for (let i = CHART_DAYS - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() - i)).toISOString().slice(0, 10);
    const r = byDay.get(d);
    series.push({ label: d.slice(5), value: r ? Number(r.metrics.spend) : 0, title: `${d}: ${usd(r ? r.metrics.spend : 0)}, ${plural(r ? r.metrics.api_requests : 0, 'request')}` });
  }
  return series;
}

/** [model, {spend, requests, tokens}] over the days, most spend first. */
function spendPerModel(results) {
  const models = new Map();
  for (const d of results) {
    for (const [m, v] of Object.entries(d.breakdown.models)) {
      const cur = models.get(m) || { spend: 0, requests: 0, tokens: 0 };
      cur.spend += Number(v.metrics.spend);
      cur.requests += v.metrics.api_requests;
      cur.tokens += v.metrics.total_tokens;
      models.set(m, cur);
    }
  }
  return [...models.entries()].sort((a, b) => b[1].spend - a[1].spend);
}
