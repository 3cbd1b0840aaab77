// Budgets (pricing tiers): the table, the create/edit form, deleting.

import { $, clear, h, setAlert, show } from '../lib/dom.js';
import { api, describe } from '../lib/api.js';
import { duration, int, isPrivateBudget, plural, usd } from '../lib/format.js';
import { askConfirm, fieldError, openDialog, parseLimit, parseModelBudgets, parseMoney, readLimits } from '../lib/forms.js';
import { loadView } from '../lib/load.js';
import { state } from '../lib/state.js';
import { emptyState, limit, resetCell, table } from '../lib/widgets.js';

export function loadBudgets() {
  return loadView('budgets', {
    body: $('budgets-body'),
    alert: $('budgets-error'),
    fetch: () => api('GET', '/budget/list'),
    render: (list) => {
      state.budgets = list;
      renderBudgets();
    },
    failed: () => show($('budgets-private-toggle'), false),
  });
}

export function renderBudgets() {
  const showPrivate = $('budgets-show-private').checked;
  const privateCount = state.budgets.filter((b) => isPrivateBudget(b.budget_id)).length;
  const rows = state.budgets.filter((b) => showPrivate || !isPrivateBudget(b.budget_id))
    .sort((a, b) => a.budget_id.localeCompare(b.budget_id));
  const body = clear($('budgets-body'));
  show($('budgets-private-toggle'), privateCount > 0);
  $('budgets-private-label').textContent = `Show ${plural(privateCount, 'customer-specific budget')}`;
  if (rows.length === 0) {
    body.append(emptyState('budgets-empty', 'No pricing tiers yet', 'Create one with “+ Create Budget”, e.g. my-free-tier with a $4 budget that resets every 30 days.'));
    return;
  }
  body.append(table('budgets-table', [['Budget ID'], ['Max budget', 'num'], ['Resets every'], ['Next reset'], ['RPM', 'num'], ['TPM', 'num'], ['Per model'], ['Customers', 'num'], ['', 'cell-actions']],
    rows.map((b) => h('tr', { 'data-testid': 'budget-row', 'data-budget-id': b.budget_id },
      h('td', { 'data-testid': 'budget-cell-id' }, budgetName(b)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-max' }, b.max_budget === null ? h('span', { class: 'muted' }, 'no limit') : usd(b.max_budget)),
      h('td', { 'data-testid': 'budget-cell-duration' }, duration(b.budget_duration) || h('span', { class: 'muted' }, 'never')),
      h('td', {}, resetCell(b.budget_reset_at)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-rpm' }, limit(b.rpm_limit)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-tpm' }, limit(b.tpm_limit)),
      h('td', { 'data-testid': 'budget-cell-models' }, modelKeys(b)),
      h('td', { class: 'num', 'data-testid': 'budget-cell-customers' }, int(b.customer_count)),
      h('td', { class: 'cell-actions' }, h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'budget-edit', 'data-action': 'edit' }, 'Edit'),
        h('button', { type: 'button', class: 'btn btn-small btn-danger-ghost', 'data-testid': 'budget-delete', 'data-action': 'delete' }, 'Delete')))))));
}

/** The models a budget's model_max_budget names, or "none". */
function modelKeys(b) {
  const keys = b.model_max_budget ? Object.keys(b.model_max_budget) : [];
  return keys.length === 0 ? h('span', { class: 'muted' }, 'none') : h('span', { class: 'mono' }, keys.join(', '));
}

function budgetName(b) {
  if (isPrivateBudget(b.budget_id)) return h('span', { class: 'stack' }, h('span', { class: 'mono' }, b.budget_id), h('span', { class: 'sub' }, 'customer-specific'));
  if (b.is_default) return h('span', { class: 'stack' }, h('span', { class: 'tier' }, b.budget_id), h('span', { class: 'sub' }, 'default for customers without one'));
  return h('span', { class: 'tier' }, b.budget_id);
}

export function openBudgetForm(budget) {
  state.editingBudget = budget;
  const id = $('budget-id');
  id.value = budget ? budget.budget_id : '';
  id.readOnly = Boolean(budget);
  $('budget-max').value = budget && budget.max_budget !== null ? String(budget.max_budget) : '';
  $('budget-duration').value = budget && budget.budget_duration ? budget.budget_duration : '';
  $('budget-rpm').value = budget && budget.rpm_limit !== null ? String(budget.rpm_limit) : '';
  $('budget-tpm').value = budget && budget.tpm_limit !== null ? String(budget.tpm_limit) : '';
  $('budget-soft').value = budget && budget.soft_budget !== null ? String(budget.soft_budget) : '';
  $('budget-parallel').value = budget && budget.max_parallel_requests !== null ? String(budget.max_parallel_requests) : '';
  $('budget-model-max').value = budget && budget.model_max_budget ? JSON.stringify(budget.model_max_budget, null, 1) : '';
  $('budget-form-title').textContent = budget ? `Edit budget “${budget.budget_id}”` : 'Create budget';
  $('budget-save').textContent = budget ? 'Save changes' : 'Create budget';
  openDialog($('budget-dialog'));
  (budget ? $('budget-max') : id).focus();
}

export async function saveBudget(event) {
  event.preventDefault();
  const editing = state.editingBudget;
  const idInput = $('budget-id');
  const id = idInput.value.trim();
  let idErr = null;
  if (!editing) {
    if (!id) idErr = 'Give the tier an id, e.g. my-free-tier.';
    else if (id.length > 256) idErr = 'At most 256 characters.';
    else if (/\s/.test(id)) idErr = 'No spaces: use letters, digits, - or _.';
  }
  const idOk = fieldError(idInput, idErr);
  const limits = readLimits({ max: 'budget-max', duration: 'budget-duration', rpm: 'budget-rpm', tpm: 'budget-tpm' });
  const [soft, softErr] = parseMoney($('budget-soft').value);
  const [parallel, parallelErr] = parseLimit($('budget-parallel').value);
  const [models, modelsErr] = parseModelBudgets($('budget-model-max').value);
  const extraOk = [fieldError($('budget-soft'), softErr), fieldError($('budget-parallel'), parallelErr),
    fieldError($('budget-model-max'), modelsErr)].every(Boolean);
  if (!idOk || !limits || !extraOk) return;
  limits.soft_budget = soft;
  limits.max_parallel_requests = parallel;
  limits.model_max_budget = models;
  const error = $('budget-form-error');
  setAlert(error, '');
  const button = $('budget-save');
  button.disabled = true;
  try {
    if (editing) {
      await api('POST', '/budget/update', { budget_id: editing.budget_id, ...limits });
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

export function onBudgetAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('tr').dataset.budgetId;
  const budget = state.budgets.find((b) => b.budget_id === id);
  if (!budget) return;
  if (button.dataset.action === 'edit') {
    openBudgetForm(budget);
    return;
  }
  const n = budget.customer_count;
  askConfirm(`Delete budget “${id}”?`, n > 0
    ? `${plural(n, 'customer')} ${n === 1 ? 'uses' : 'use'} this budget; the proxy refuses to delete it until ${n === 1 ? 'it is' : 'they are'} moved to another tier.`
    : 'No customer uses it. This cannot be undone.', 'Delete budget', async () => {
    await api('POST', '/budget/delete', { id });
    await loadBudgets();
  });
}

/** Fills a tier chooser with the tiers (not the customer-specific budgets), {@code selected} chosen. */
export async function tierOptions(select, selected, { withPlaceholder = false } = {}) {
  clear(select).append(h('option', { value: '' }, 'Loading tiers…'));
  state.budgets = await api('GET', '/budget/list');
  const tiers = state.budgets.filter((b) => !isPrivateBudget(b.budget_id)).sort((a, b) => a.budget_id.localeCompare(b.budget_id));
  clear(select);
  if (withPlaceholder || tiers.length === 0) select.append(h('option', { value: '' }, tiers.length ? 'Choose a tier…' : 'No tiers yet: create one on the Budgets tab'));
  for (const b of tiers) {
    const parts = [b.max_budget === null ? 'no spend limit' : `${usd(b.max_budget)}${b.budget_duration ? ' / ' + b.budget_duration : ''}`];
    if (b.rpm_limit !== null) parts.push(`${int(b.rpm_limit)} RPM`);
    if (b.tpm_limit !== null) parts.push(`${int(b.tpm_limit)} TPM`);
    if (b.max_parallel_requests !== null) parts.push(`${int(b.max_parallel_requests)} in flight`);
    if (b.soft_budget !== null) parts.push(`alert at ${usd(b.soft_budget)}`);
    select.append(h('option', { value: b.budget_id, selected: b.budget_id === selected }, `${b.budget_id} (${parts.join(', ')})`));
  }
}
