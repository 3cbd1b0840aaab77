// The customers list: search, status filter, paging, and the row actions the detail view shares.

import { $, clear, h, setAlert } from '../lib/dom.js';
import { api, describe, qs } from '../lib/api.js';
import { budgetOf, customerStatus, STATUS_LABELS, usd } from '../lib/format.js';
import { route } from '../lib/router.js';
import { loadView } from '../lib/load.js';
import { defaultBudget, state } from '../lib/state.js';
import { customerLink, emptyState, remainingBar, resetCell, statusBadge, table, tierLabel } from '../lib/widgets.js';
import { openRoutingForm, openTierForm } from './customer-forms.js';

export const PAGE_SIZE = 25;

export function loadCustomers() {
  const list = state.customerList;
  $('customer-search').value = list.q;
  $('customer-status').value = list.status;
  return loadView('customers', {
    body: $('customers-body'),
    alert: $('customers-error'),
    fetch: () => Promise.all([
      api('GET', '/customer/list?' + qs({ page: list.page, page_size: PAGE_SIZE, q: list.q, status: list.status })),
      api('GET', '/budget/list'),
    ]),
    render: ([rows, budgets]) => {
      list.rows = rows;
      state.budgets = budgets;
      renderCustomers();
    },
  });
}

function renderCustomers() {
  const { page, q, status, rows } = state.customerList;
  const body = clear($('customers-body'));
  $('customers-page').textContent = rows.length === 0 && page === 1 ? '' : `Page ${page} · ${(page - 1) * PAGE_SIZE + (rows.length ? 1 : 0)}–${(page - 1) * PAGE_SIZE + rows.length}`;
  $('customers-prev').disabled = page <= 1;
  $('customers-next').disabled = rows.length < PAGE_SIZE;
  if (rows.length === 0) {
    body.append(emptyState('customers-empty', ...emptyText(page, q, status)));
    return;
  }
  const fallback = defaultBudget();
  body.append(table('customers-table', [['Customer'], ['Tier'], ['Spend', 'num'], ['Max', 'num'], ['Remaining'], ['Next reset'], ['Status'], ['', 'cell-actions']],
    rows.map((c) => {
      const b = budgetOf(c, fallback);
      const max = b ? b.max_budget : null;
      return h('tr', { 'data-testid': 'customer-row', 'data-customer-id': c.user_id },
        h('td', { 'data-testid': 'customer-cell-id' }, customerLink(c.user_id, c.alias)),
        h('td', { 'data-testid': 'customer-cell-tier' }, tierLabel(c.budget_id, fallback)),
        h('td', { class: 'num', 'data-testid': 'customer-cell-spend' }, usd(c.spend)),
        h('td', { class: 'num', 'data-testid': 'customer-cell-max' }, max === null ? h('span', { class: 'muted' }, '—') : usd(max)),
        h('td', { 'data-testid': 'customer-cell-remaining' }, remainingBar(c.spend, max)),
        h('td', {}, b ? resetCell(b.budget_reset_at) : h('span', { class: 'muted' }, '—')),
        h('td', { 'data-testid': 'customer-cell-status' }, statusBadge(customerStatus(c, b))),
        h('td', { class: 'cell-actions' }, h('div', { class: 'row-actions' }, rowActions(c, 'btn-small'))));
    })));
}

function emptyText(page, q, status) {
  const which = status ? `${STATUS_LABELS[status].toLowerCase()} customer` : 'customer';
  if (q) return [`No ${which} matches`, `Nothing matches “${q}” in ids or aliases.`];
  if (page > 1) return [`No more ${which}s`, 'Go back to the previous page.'];
  if (status) return [`No ${which}s`, 'Show all customers to see the others.'];
  return ['No customers yet', 'Customers appear on their first call with a user id, or create one with “+ New customer”.'];
}

/** Change tier and block/unblock, for a row or the detail view ({@code size}: the buttons' size class). */
export function rowActions(c, size) {
  return [
    h('button', { type: 'button', class: `btn ${size}`, 'data-testid': 'customer-change-tier', 'data-action': 'tier' }, 'Change tier'),
    c.blocked
      ? h('button', { type: 'button', class: `btn ${size}`, 'data-testid': 'customer-unblock', 'data-action': 'unblock' }, 'Unblock')
      : h('button', { type: 'button', class: `btn ${size} btn-danger-ghost`, 'data-testid': 'customer-block', 'data-action': 'block' }, 'Block'),
  ];
}

export async function onCustomerAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('[data-customer-id]').dataset.customerId;
  const action = button.dataset.action;
  const errorEl = button.closest('#view-customer') ? $('customer-error') : $('customers-error');
  if (action === 'tier') {
    const shown = state.customerList.rows.find((c) => c.user_id === id) || state.currentCustomer || {};
    openTierForm(id, shown.budget_id);
    return;
  }
  if (action === 'routing') {
    openRoutingForm(state.currentCustomer);
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

/** Wires the search box, the status filter and the pager. */
export function wireCustomerList() {
  const list = state.customerList;
  $('customers-prev').addEventListener('click', () => {
    list.page = Math.max(1, list.page - 1);
    loadCustomers();
  });
  $('customers-next').addEventListener('click', () => {
    list.page += 1;
    loadCustomers();
  });
  $('customer-search').addEventListener('input', debounce((e) => {
    list.q = e.target.value.trim();
    list.page = 1;
    loadCustomers();
  }, 250));
  $('customer-status').addEventListener('change', (e) => {
    list.status = e.target.value;
    list.page = 1;
    loadCustomers();
  });
}

function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
