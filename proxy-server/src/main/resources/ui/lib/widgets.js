// Small pieces shared by the views: tables, badges, bars, charts, links.

import { h, svg } from './dom.js';
import { dateOnly, int, isPrivateBudget, relative, STATUS_LABELS, usd } from './format.js';

export function emptyState(testid, title, text) {
  return h('div', { class: 'empty', 'data-testid': testid }, h('p', { class: 'empty-title' }, title), text ? h('p', { class: 'muted' }, text) : null);
}

export function loading() {
  return h('div', { class: 'loading' }, 'Loading…');
}

export function stat(testid, label, value, sub) {
  return h('div', { class: 'card stat' },
    h('p', { class: 'stat-label' }, label),
    h('p', { class: 'stat-value', 'data-testid': testid }, value),
    sub ? h('p', { class: 'stat-sub' }, sub) : null);
}

export function badge(text, kind, attrs = {}) {
  return h('span', { class: `badge badge-${kind}`, ...attrs }, text);
}

const STATUS_KINDS = { blocked: 'bad', over_budget: 'bad', near_limit: 'warn', active: 'ok' };

/** A customer's status ({@link customerStatus}) as a badge. */
export function statusBadge(status) {
  return badge(STATUS_LABELS[status], STATUS_KINDS[status], { 'data-status': status });
}

export function table(testid, headers, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', { 'data-testid': testid },
      h('thead', {}, h('tr', {}, headers.map(([label, cls]) => h('th', { class: cls || null, scope: 'col' }, label)))),
      h('tbody', {}, rows)));
}

/** A reset time as "Mar 3, 2026" with "in 29d" under it; muted "never" without one. */
export function resetCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  return h('span', { class: 'stack nowrap', title: new Date(iso).toLocaleString() },
    h('span', {}, dateOnly(iso)), h('span', { class: 'sub' }, relative(iso)));
}

export function limit(value) {
  return value === null || value === undefined ? h('span', { class: 'muted' }, 'unlimited') : int(value);
}

/** The share of a budget still available as a bar; past the budget, by how much it is over. */
export function remainingBar(spend, max) {
  if (max === null || max === undefined) return h('span', { class: 'muted' }, 'no limit');
  const over = Number(spend) - Number(max);
  if (over >= 0 && Number(max) >= 0) {
    return h('span', { class: 'remaining', title: `${usd(spend)} spent of ${usd(max)}` },
      h('span', { class: 'remaining-text over' }, over > 0 ? `over by ${usd(over)}` : usd(0)),
      h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-label': 'budget remaining' }));
  }
  const left = -over;
  const share = Number(max) > 0 ? left / Number(max) : 0;
  const fill = h('span', { class: 'bar-fill ' + (share <= 0.1 ? 'bar-low' : share <= 0.3 ? 'bar-mid' : 'bar-ok') });
  fill.style.width = `${Math.round(share * 1000) / 10}%`; // CSSOM, allowed under the CSP
  return h('span', { class: 'remaining', title: `${Math.round(share * 100)}% of ${usd(max)} left` },
    h('span', { class: 'remaining-text' }, usd(left)),
    h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(share * 100), 'aria-label': 'budget remaining' }, fill));
}

export function customerLink(id, alias) {
  const a = h('a', { href: '#/customers/' + encodeURIComponent(id), class: 'cust-link', 'data-testid': 'customer-link' }, id);
  return alias ? h('span', { class: 'stack' }, a, h('span', { class: 'sub' }, alias)) : a;
}

/**
 * A customer's tier: its name, "own budget", or for a customer without one the default end-user
 * budget when one is configured, else "none".
 */
export function tierLabel(budgetId, defaultBudget) {
  if (!budgetId) {
    return defaultBudget
      ? h('span', { class: 'stack', title: 'No tier of its own: the default end-user budget (max_end_user_budget_id) applies' },
        h('span', { class: 'tier tier-default' }, defaultBudget.budget_id), h('span', { class: 'sub' }, 'default budget'))
      : h('span', { class: 'muted', title: 'No budget applies: calls are tracked, not limited' }, 'none');
  }
  if (isPrivateBudget(budgetId)) return badge('own budget', 'neutral', { title: budgetId });
  return h('span', { class: 'tier' }, budgetId);
}

/** A small SVG bar chart; values are drawn with attributes, labels as text nodes. */
export function barChart(points, testid, { height = 140, format = usd } = {}) {
  const max = Math.max(0, ...points.map((p) => p.value));
  const n = points.length;
  const w = 100 / Math.max(1, n);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 100 ${height / 4}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'bar chart' });
  const inner = height / 4;
  points.forEach((p, i) => {
    const bh = Math.max(max > 0 ? (p.value / max) * (inner - 1) : 0, p.value > 0 ? 0.6 : 0.25);
    chart.append(svg('rect', { x: (i * w + w * 0.15).toFixed(3), y: (inner - bh).toFixed(3), width: (w * 0.7).toFixed(3), height: bh.toFixed(3), class: p.value > 0 ? 'chart-bar' : 'chart-zero' },
      svg('title', {}, p.title || `${p.label}: ${format(p.value)}`)));
  });
  const labels = h('div', { class: 'chart-labels' }, points.map((p, i) => h('span', { class: i % Math.ceil(n / 7) === 0 || i === n - 1 ? '' : 'hide' }, p.label)));
  return h('div', { class: 'chart-box', 'data-testid': testid },
    h('div', { class: 'chart-scale' }, h('span', {}, format(max)), h('span', {}, format(0))),
    h('div', { class: 'chart-area' }, chart, labels));
}

/** Horizontal bars, one per labelled value (spend per model). */
export function hbars(items, testid) {
  const max = Math.max(0, ...items.map((i) => i.value));
  return h('ul', { class: 'hbars', 'data-testid': testid }, items.map((i) => {
    const fill = h('span', { class: 'hbar-fill' });
    fill.style.width = `${max > 0 ? Math.max(1, (i.value / max) * 100) : 0}%`;
    return h('li', {}, h('span', { class: 'hbar-label', title: i.label }, i.label), h('span', { class: 'hbar' }, fill), h('span', { class: 'num' }, i.text));
  }));
}
