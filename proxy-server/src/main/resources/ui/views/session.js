// Signing in with the master key, and out.

import { $, clear, setAlert } from '../lib/dom.js';
import { api, ApiError, describe, forgetKey, keepKey } from '../lib/api.js';
import { route } from '../lib/router.js';

export async function signIn(event) {
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
    keepKey(key);
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

export function signOut() {
  forgetKey();
  for (const id of ['overview-body', 'budgets-body', 'customers-body', 'customer-body']) clear($(id));
  route();
}
