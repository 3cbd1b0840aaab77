// How numbers, times and budget states are shown. Pure functions, no DOM.

const USD2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DURATION_UNITS = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month' };

/**
 * USD with sensible precision: cents for amounts of a dollar or more and for whole cents
 * ($4.00, $0.50), three significant digits below that ($0.0012, $0.000345).
 */
export function usd(value) {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a === 0) return '$0.00';
  if (a >= 0.995 || Math.abs(a * 100 - Math.round(a * 100)) < 1e-9) return USD2.format(n);
  const decimals = Math.min(9, Math.max(2, 2 - Math.floor(Math.log10(a))));
  let text = a.toFixed(decimals).replace(/0+$/, '');
  if (text.split('.')[1].length < 2) text = a.toFixed(2);
  return (n < 0 ? '-$' : '$') + text;
}

export function int(value) {
  return value === null || value === undefined ? '—' : INT.format(Number(value));
}

export function plural(n, word) {
  return `${INT.format(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** "30d" as "30 days"; text it does not know as it is. */
export function duration(text) {
  if (!text) return null;
  const m = /^([0-9]+)(mo|s|m|h|d|w)$/.exec(text);
  if (!m) return text;
  return plural(Number(m[1]), DURATION_UNITS[m[2]]);
}

export function dateOnly(iso) {
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "in 3d", "5h ago", "now". */
export function relative(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  const a = Math.abs(ms);
  const units = [['d', 86400000], ['h', 3600000], ['m', 60000]];
  let text = 'now';
  for (const [u, size] of units) {
    if (a >= size) {
      text = `${Math.round(a / size)}${u}`;
      break;
    }
  }
  if (text === 'now') return 'now';
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** A budget the API created for one customer ("its own budget") has a UUID for an id; tiers have names. */
export function isPrivateBudget(id) {
  return typeof id === 'string' && UUID_RE.test(id);
}

/**
 * The budget that applies to a customer: its own or its tier's, else the default end-user budget
 * when one is configured, else none.
 */
export function budgetOf(customer, defaultBudget) {
  if (customer.litellm_budget_table) return customer.litellm_budget_table;
  return customer.budget_id ? null : defaultBudget || null;
}

/**
 * Where a customer stands, by the same rules as {@code /customer/list?status=}: blocked; over
 * budget once spend reaches max_budget; near the limit once it reaches soft_budget; else active.
 */
export function customerStatus(customer, budget) {
  if (customer.blocked) return 'blocked';
  const spend = Number(customer.spend);
  if (budget && budget.max_budget !== null && budget.max_budget !== undefined && spend >= Number(budget.max_budget)) return 'over_budget';
  if (budget && budget.soft_budget !== null && budget.soft_budget !== undefined && spend >= Number(budget.soft_budget)) return 'near_limit';
  return 'active';
}

export const STATUS_LABELS = { blocked: 'Blocked', over_budget: 'Over budget', near_limit: 'Near limit', active: 'Active' };

const REFUSAL_LABELS = {
  budget: 'Budget exceeded',
  proxy_budget: 'Proxy budget exceeded',
  no_deployments: 'All deployments cooling down',
  rpm: 'Requests per minute',
  tpm: 'Tokens per minute',
  blocked: 'Customer blocked',
  auth: 'Bad or missing key',
  no_customer: 'No customer id',
  store_unavailable: 'Limit store unavailable',
  parallel: 'Parallel requests',
  model_budget: 'Model budget exceeded',
  model_rpm: 'Model requests per minute',
  model_tpm: 'Model tokens per minute',
};

/** A refusal reason of the overview as words. */
export function refusalLabel(reason) {
  return REFUSAL_LABELS[reason] || reason;
}
