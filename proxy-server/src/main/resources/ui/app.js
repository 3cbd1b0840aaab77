// Tollgate admin page: native ES modules, no framework, no build step.
//
//   lib/   dom (building elements), format (numbers, times, budget states), api (the admin API and
//          the key), state (all mutable state), router, widgets, forms
//   views/ session, overview, budgets, customers, customer, customer-forms
//
// Rules every module keeps (the page shows ids chosen by untrusted API callers):
// - every value reaches the DOM as a text node or an attribute value, never as markup
//   (no HTML-parsing DOM property or method is used anywhere);
// - no inline event handlers or style attributes (the page is served with CSP default-src 'self');
// - the master key lives in sessionStorage only and is sent to the admin API, nowhere else.

import { $ } from './lib/dom.js';
import { fieldError, runConfirm } from './lib/forms.js';
import { registerViews, route } from './lib/router.js';
import { loadBudgets, onBudgetAction, openBudgetForm, renderBudgets, saveBudget } from './views/budgets.js';
import { loadCustomer } from './views/customer.js';
import { openCustomerForm, saveCustomer, saveRouting, saveTier, syncCustomerMode } from './views/customer-forms.js';
import { loadCustomers, onCustomerAction, wireCustomerList } from './views/customers.js';
import { loadOverview } from './views/overview.js';
import { signIn, signOut } from './views/session.js';

function init() {
  registerViews({ overview: loadOverview, budgets: loadBudgets, customers: loadCustomers, customer: loadCustomer });
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
  $('routing-form').addEventListener('submit', saveRouting);
  $('customers-body').addEventListener('click', onCustomerAction);
  $('customer-body').addEventListener('click', onCustomerAction);
  wireCustomerList();
  for (const b of document.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());
  window.addEventListener('hashchange', route);
  route();
}

init();
