// Dialogs and form fields: opening, per-field errors, and the checks the limit fields share.

import { $, setAlert } from './dom.js';
import { describe } from './api.js';
import { state } from './state.js';

const DURATION_RE = /^[0-9]{1,9}(mo|s|m|h|d|w)$/;

export function openDialog(dialog) {
  for (const e of dialog.querySelectorAll('.field-error')) e.textContent = '';
  for (const e of dialog.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  for (const e of dialog.querySelectorAll('.form-error')) setAlert(e, '');
  dialog.showModal();
}

/** Shows (or clears) a field's error; true when the field is fine. */
export function fieldError(input, message) {
  const slot = input.form.querySelector(`.field-error[data-for="${input.id}"]`);
  if (slot) slot.textContent = message || '';
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return !message;
}

/** Parses an optional USD amount; returns [value|null, error|null]. */
export function parseMoney(text) {
  const t = text.trim().replace(/^\$/, '');
  if (t === '') return [null, null];
  if (!/^[0-9]+(\.[0-9]+)?$/.test(t)) return [null, 'Enter an amount in USD, e.g. 4 or 4.50.'];
  const n = Number(t);
  if (!(n > 0)) return [null, 'Must be more than $0.'];
  if (n > 1e9) return [null, 'Must be at most $1,000,000,000.'];
  return [n, null];
}

/** Parses an optional non-negative integer limit. */
export function parseLimit(text) {
  const t = text.trim().replace(/[,_\s]/g, '');
  if (t === '') return [null, null];
  if (!/^[0-9]+$/.test(t)) return [null, 'Enter a whole number, or leave empty for no limit.'];
  const n = Number(t);
  if (n < 1) return [null, 'Must be at least 1 (empty = unlimited).'];
  if (n > Number.MAX_SAFE_INTEGER) return [null, 'Too large.'];
  return [n, null];
}

export function parseDuration(text) {
  const t = text.trim();
  if (t === '') return [null, null];
  if (!DURATION_RE.test(t)) return [null, 'Use a number and a unit: s, m, h, d, w or mo (e.g. 30d, 1mo).'];
  return [t, null];
}

/**
 * Parses the optional model_max_budget text: a JSON object, or empty for none. Only the JSON shape
 * is checked here; the proxy checks each entry and its error is shown with the form.
 */
export function parseModelBudgets(text) {
  const t = text.trim();
  if (t === '') return [null, null];
  let value;
  try {
    value = JSON.parse(t);
  } catch {
    return [null, 'Enter a JSON object, e.g. {"gpt-4o": {"max_budget": 0.5}}, or leave empty.'];
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [null, 'Enter a JSON object keyed by model name, or leave empty.'];
  }
  return [value, null];
}

/** Validates the four limit fields shared by the budget form and "own budget"; returns the values or null. */
export function readLimits(ids) {
  const [max, maxErr] = parseMoney($(ids.max).value);
  const [dur, durErr] = parseDuration($(ids.duration).value);
  const [rpm, rpmErr] = parseLimit($(ids.rpm).value);
  const [tpm, tpmErr] = parseLimit($(ids.tpm).value);
  const ok = [fieldError($(ids.max), maxErr), fieldError($(ids.duration), durErr), fieldError($(ids.rpm), rpmErr), fieldError($(ids.tpm), tpmErr)];
  return ok.every(Boolean) ? { max_budget: max, budget_duration: dur, rpm_limit: rpm, tpm_limit: tpm } : null;
}

/** Asks before {@code action} runs; its failure is shown in the dialog. */
export function askConfirm(title, text, okLabel, action) {
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  state.confirmAction = action;
  openDialog($('confirm-dialog'));
}

export async function runConfirm(event) {
  event.preventDefault();
  const button = $('confirm-ok');
  button.disabled = true;
  try {
    await state.confirmAction();
    $('confirm-dialog').close();
  } catch (err) {
    setAlert($('confirm-error'), describe(err));
  } finally {
    button.disabled = false;
  }
}
