// The "new customer", "change tier" and "set region" dialogs.

import { $, clear, h, setAlert, show } from '../lib/dom.js';
import { api, describe } from '../lib/api.js';
import { isPrivateBudget } from '../lib/format.js';
import { fieldError, openDialog, readLimits } from '../lib/forms.js';
import { route } from '../lib/router.js';
import { state } from '../lib/state.js';
import { tierOptions } from './budgets.js';

export async function openCustomerForm() {
  $('customer-form').reset();
  syncCustomerMode();
  openDialog($('customer-dialog'));
  $('customer-id').focus();
  try {
    await tierOptions($('customer-tier'), null, { withPlaceholder: true });
  } catch (err) {
    setAlert($('customer-form-error'), describe(err));
  }
}

function customerMode() {
  return document.querySelector('input[name="customer-mode"]:checked').value;
}

export function syncCustomerMode() {
  const mode = customerMode();
  show($('customer-tier-field'), mode === 'tier');
  show($('customer-own-fields'), mode === 'own');
}

export async function saveCustomer(event) {
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
    state.customerList.q = '';
    route();
  } catch (err) {
    setAlert(error, describe(err));
  }
}

/**
 * Region and default model of one customer. The admin API (like LiteLLM's) keeps a field sent as
 * null, so a region can be set or changed here, not removed; "keep" leaves the default model alone.
 */
export async function openRoutingForm(c) {
  state.routingTarget = c.user_id;
  $('routing-for').textContent = `Customer: ${c.user_id}`;
  $('routing-region').value = c.allowed_model_region || 'eu';
  const models = clear($('routing-model'));
  models.append(h('option', { value: '' }, c.default_model ? `keep (${c.default_model})` : 'none'));
  openDialog($('routing-dialog'));
  try {
    const list = await api('GET', '/v1/models');
    for (const m of list.data) models.append(h('option', { value: m.id }, m.id));
  } catch (err) {
    setAlert($('routing-form-error'), describe(err));
  }
}

export async function saveRouting(event) {
  event.preventDefault();
  const body = { user_id: state.routingTarget, allowed_model_region: $('routing-region').value };
  const model = $('routing-model').value;
  if (model) body.default_model = model;
  try {
    await api('POST', '/customer/update', body);
    $('routing-dialog').close();
    route();
  } catch (err) {
    setAlert($('routing-form-error'), describe(err));
  }
}

export async function openTierForm(id, current) {
  state.tierTarget = id;
  $('tier-for').textContent = `Customer: ${id}`;
  openDialog($('tier-dialog'));
  try {
    await tierOptions($('tier-select'), current, { withPlaceholder: !current || isPrivateBudget(current) });
  } catch (err) {
    setAlert($('tier-form-error'), describe(err));
  }
}

export async function saveTier(event) {
  event.preventDefault();
  const tier = $('tier-select').value;
  if (!tier) {
    setAlert($('tier-form-error'), 'Choose a tier.');
    return;
  }
  try {
    await api('POST', '/customer/update', { user_id: state.tierTarget, budget_id: tier });
    $('tier-dialog').close();
    route();
  } catch (err) {
    setAlert($('tier-form-error'), describe(err));
  }
}
