// Hash routing: #/overview, #/budgets, #/customers, #/customers/<id>. Without a key, the sign-in view.

import { $, show } from './dom.js';
import { storedKey } from './api.js';

const VIEWS = ['login', 'overview', 'budgets', 'customers', 'customer'];
const loaders = {};

/** Tells the router how to load each view: { overview(), budgets(), customers(), customer(id) }. */
export function registerViews(table) {
  Object.assign(loaders, table);
}

/** Shows and loads the view the location names. */
export function route() {
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
    loaders.budgets();
  } else if (name === 'customers' && rest.length > 0 && rest[0] !== '') {
    showView('customer', 'customers');
    loaders.customer(decodeURIComponent(rest.join('/')));
  } else if (name === 'customers') {
    showView('customers');
    loaders.customers();
  } else {
    showView('overview');
    loaders.overview();
  }
}

function showView(name, tab = name) {
  for (const v of VIEWS) show($('view-' + v), v === name);
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}
