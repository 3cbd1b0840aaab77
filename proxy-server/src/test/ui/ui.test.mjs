// Browser test of Tollgate's admin page: Debian's chromium driven headless by playwright-core,
// real calls through the proxy with the openai SDK, every UI change read back through the API.
//
//   node ui.test.mjs <baseURL> <masterKey> <screenshotDir>
//
// Prints one JSON line {"passed":[...],"failed":[{name,error}],"screenshots":[...],...} and exits
// 0 only when every check passed. Never downloads a browser: it uses /usr/bin/chromium.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import OpenAI from 'openai';

const [base, key, shotDir] = process.argv.slice(2);
if (!base || !key || !shotDir) {
  console.error('usage: node ui.test.mjs <baseURL> <masterKey> <screenshotDir>');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(JSON.stringify({ passed: [], failed: [{ name: 'setup', error: `${CHROMIUM} is missing: apt-get install -y chromium` }], screenshots: [] }));
  process.exit(3);
}
mkdirSync(shotDir, { recursive: true });

const run = Math.random().toString(36).slice(2, 8);
const TIER = `ui-free-tier-${run}`;
const TIER2 = `ui-pro-tier-${run}`;
const CUSTOMER = `ui-cust-${run}`;
const MODEL_TIER = `ui-model-tier-${run}`;
const MODEL_CUSTOMER = `ui-model-cust-${run}`;
const XSS_ID = '<img src=x onerror=alert(1)>';
const XSS_ALIAS = '<script>alert(2)</script>';
const XSS_SEEN = `"><svg onload=alert(3)>${run}`;

const passed = [];
const failed = [];
const screenshots = [];
const dialogs = [];
const pageErrors = [];
const consoleErrors = [];
const requests = [];

class CheckFailed extends Error {}
function check(cond, message) {
  if (!cond) throw new CheckFailed(message);
}
async function step(name, fn) {
  try {
    await fn();
    passed.push(name);
  } catch (e) {
    failed.push({ name, error: String(e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e) });
  }
}

// ---- the admin API, as curl would use it
async function adminApi(method, path, body, apiKey = key) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* left null */ }
  return { status: res.status, json, text };
}
async function budgetFromApi(id) {
  const r = await adminApi('GET', '/budget/list');
  check(r.status === 200, `/budget/list answered ${r.status}: ${r.text}`);
  return r.json.find((b) => b.budget_id === id);
}
async function customerFromApi(id) {
  const r = await adminApi('GET', '/customer/info?end_user_id=' + encodeURIComponent(id));
  check(r.status === 200, `/customer/info ${id} answered ${r.status}: ${r.text}`);
  return r.json;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const money = (text) => Number(String(text).replace(/[^0-9.]/g, ''));

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
const page = await context.newPage();
page.setDefaultTimeout(10_000);
page.on('dialog', async (d) => {
  dialogs.push(`${d.type()}: ${d.message()}`);
  await d.dismiss().catch(() => {});
});
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('request', (r) => requests.push(r.url()));

const tid = (id) => page.getByTestId(id);
async function shot(name) {
  const path = join(shotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  screenshots.push(path);
}

try {
  await step('page is served with CSP and nosniff; no admin data without a key', async () => {
    const res = await fetch(base + '/ui/');
    check(res.status === 200, `/ui/ answered ${res.status}`);
    check((res.headers.get('content-security-policy') || '').startsWith("default-src 'self'"), 'CSP header missing');
    check(res.headers.get('x-content-type-options') === 'nosniff', 'nosniff missing');
    const html = await res.text();
    check(!html.includes(key), 'the page contains the master key');
    check(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'the page has an inline script');
    check(!/\sstyle=|\son[a-z]+=/i.test(html), 'the page has inline style or event-handler attributes');
    const noKey = await fetch(base + '/budget/list');
    check(noKey.status === 401, `/budget/list without a key answered ${noKey.status}`);
    const overview = await fetch(base + '/tollgate/overview');
    check(overview.status === 401, `/tollgate/overview without a key answered ${overview.status}`);
  });

  await step('a wrong key shows an error, not an empty table', async () => {
    await page.goto(base + '/ui/');
    await tid('key-input').fill('sk-this-is-not-the-key');
    await tid('key-submit').click();
    const err = tid('login-error');
    await err.waitFor({ state: 'visible' });
    const text = await err.textContent();
    check(/rejected \(401\)/.test(text), `login error says: ${text}`);
    check(await page.locator('table').count() === 0, 'a table is shown after a wrong key');
    check(await tid('tab-budgets').isHidden(), 'tabs are shown after a wrong key');
    check(await page.evaluate(() => sessionStorage.length) === 0, 'the wrong key was stored');
    await shot('01-wrong-key');

    // A key that was accepted once and then fails (e.g. rotated) also shows the error in the view.
    await page.evaluate(() => sessionStorage.setItem('tollgate.masterKey', 'sk-rotated-away'));
    await page.goto(base + '/ui/#/budgets');
    await page.reload();
    const viewErr = tid('budgets-error');
    await viewErr.waitFor({ state: 'visible' });
    check(/401/.test(await viewErr.textContent()), 'budgets view does not name the 401');
    check(await tid('budgets-table').count() === 0 && await tid('budgets-empty').count() === 0,
      'budgets view shows a table or an empty state after a rejected key');
    await tid('sign-out').click();
    await tid('key-input').waitFor({ state: 'visible' });
  });

  await step('sign in; overview shows health and spend', async () => {
    await tid('key-input').fill(key);
    await tid('key-submit').click();
    await tid('tab-overview').waitFor();
    // Signing in keeps the view that was asked for (#/budgets here); the Overview is one click away.
    check(await page.locator('#view-budgets').isVisible(), 'sign-in did not return to the requested view');
    await tid('tab-overview').click();
    await tid('overview-spend-today').waitFor();
    check(await page.evaluate(() => sessionStorage.getItem('tollgate.masterKey')) !== null, 'key not kept in sessionStorage');
    check(await page.evaluate(() => localStorage.length) === 0, 'something was written to localStorage');
    for (const id of ['health-db', 'health-redis', 'health-flush']) {
      check(await tid(id).getAttribute('data-ok') === 'true', `${id} is not OK: ${await tid(id).textContent()}`);
    }
    check(/^\$\d/.test(await tid('overview-spend-today').textContent()), 'spend today is not in USD');
  });

  await step('create a tier in the UI and read it back through the API', async () => {
    await tid('tab-budgets').click();
    await page.waitForSelector('[data-testid="budgets-table"], [data-testid="budgets-empty"]');
    await tid('create-budget').click();
    // Client-side validation: nothing is sent while a field is wrong.
    await tid('budget-id').fill('');
    await tid('budget-max').fill('four dollars');
    await tid('budget-duration').fill('5x');
    await tid('budget-rpm').fill('-3');
    await tid('budget-save').click();
    const errors = await page.locator('#budget-form .field-error').allTextContents();
    check(errors.filter((e) => e.trim()).length === 4, `expected 4 field errors, got ${JSON.stringify(errors)}`);
    check(await page.locator('#budget-dialog').evaluate((d) => d.open), 'dialog closed on invalid input');
    check(await budgetFromApi('') === undefined, 'an empty budget was created');

    await tid('budget-id').fill(TIER);
    await tid('budget-max').fill('4');
    await tid('budget-duration').fill('30d');
    await tid('budget-rpm').fill('60');
    await tid('budget-tpm').fill('100000');
    await tid('budget-soft').fill('3');
    await tid('budget-parallel').fill('5');
    await tid('budget-save').click();
    const row = page.locator(`[data-testid="budget-row"][data-budget-id="${TIER}"]`);
    await row.waitFor();
    check((await row.getByTestId('budget-cell-max').textContent()) === '$4.00', 'max budget not shown as $4.00');
    check((await row.getByTestId('budget-cell-duration').textContent()) === '30 days', 'duration not shown as 30 days');
    check((await row.getByTestId('budget-cell-tpm').textContent()) === '100,000', 'TPM not shown with separators');
    const b = await budgetFromApi(TIER);
    check(b, `${TIER} not in /budget/list`);
    check(Number(b.max_budget) === 4 && b.rpm_limit === 60 && b.tpm_limit === 100000 && b.budget_duration === '30d'
      && Number(b.soft_budget) === 3 && b.max_parallel_requests === 5,
      `API shows ${JSON.stringify(b)}`);
    check(b.budget_reset_at, 'no next reset for a 30d tier');

    // The server's own refusal is shown inline: the same id again.
    await tid('create-budget').click();
    await tid('budget-id').fill(TIER);
    await tid('budget-max').fill('1');
    await tid('budget-save').click();
    const formErr = tid('budget-form-error');
    await formErr.waitFor({ state: 'visible' });
    check(/already exists/.test(await formErr.textContent()), `duplicate error says: ${await formErr.textContent()}`);
    await page.locator('#budget-dialog [data-close]').click();
  });

  await step('edit a tier', async () => {
    const row = page.locator(`[data-testid="budget-row"][data-budget-id="${TIER}"]`);
    await row.getByTestId('budget-edit').click();
    check(await tid('budget-id').inputValue() === TIER, 'edit form not prefilled');
    await tid('budget-rpm').fill('120');
    await tid('budget-save').click();
    await page.waitForFunction((id) => {
      const r = document.querySelector(`[data-testid="budget-row"][data-budget-id="${id}"] [data-testid="budget-cell-rpm"]`);
      return r && r.textContent === '120';
    }, TIER);
    const b = await budgetFromApi(TIER);
    check(b.rpm_limit === 120 && Number(b.max_budget) === 4, `after edit the API shows ${JSON.stringify(b)}`);
  });

  await step('model budgets: edited as JSON in the budget form, checked by the proxy, shown with spend bars', async () => {
    await tid('create-budget').click();
    await tid('budget-id').fill(MODEL_TIER);
    // Not JSON: a field error, nothing sent.
    await tid('budget-model-max').fill('{"mock": ');
    await tid('budget-save').click();
    const fieldErr = page.locator('#budget-form .field-error[data-for="budget-model-max"]');
    check(/JSON object/.test(await fieldErr.textContent()), `model field error says: ${await fieldErr.textContent()}`);
    check(await budgetFromApi(MODEL_TIER) === undefined, 'a budget was created from invalid JSON');
    // JSON the proxy refuses: its message, naming the model, is shown with the form.
    await tid('budget-model-max').fill('{"mock": {"max_budget": 1}, "<b>bad</b>": {}}');
    await tid('budget-save').click();
    const formErr = tid('budget-form-error');
    await formErr.waitFor({ state: 'visible' });
    check((await formErr.textContent()).includes("model_max_budget['<b>bad</b>'] sets nothing"),
      `server error says: ${await formErr.textContent()}`);
    await tid('budget-model-max').fill('{"mock": {"max_budget": 1, "budget_duration": "1d", "rpm_limit": 100}}');
    await tid('budget-save').click();
    const row = page.locator(`[data-testid="budget-row"][data-budget-id="${MODEL_TIER}"]`);
    await row.waitFor();
    check(await row.getByTestId('budget-cell-models').textContent() === 'mock', 'per-model column does not name mock');
    const b = await budgetFromApi(MODEL_TIER);
    check(b && Number(b.model_max_budget.mock.max_budget) === 1 && b.model_max_budget.mock.rpm_limit === 100
      && b.model_max_budget.mock.budget_duration === '1d', `API shows ${JSON.stringify(b)}`);
    await row.getByTestId('budget-edit').click();
    check((await tid('budget-model-max').inputValue()).includes('"mock"'), 'edit form does not show the model budgets');
    await page.locator('#budget-dialog [data-close]').click();

    const created = await adminApi('POST', '/customer/new', { user_id: MODEL_CUSTOMER, budget_id: MODEL_TIER });
    check(created.status === 200, `creating ${MODEL_CUSTOMER}: ${created.text}`);
    const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 });
    await client.chat.completions.create({ model: 'mock', user: MODEL_CUSTOMER, messages: [{ role: 'user', content: 'hi' }] });
    const info = await customerFromApi(MODEL_CUSTOMER);
    check(info.model_spend && Number(info.model_spend.mock) > 0, `model_spend is ${JSON.stringify(info.model_spend)}`);
    await page.goto(base + '/ui/#/customers/' + encodeURIComponent(MODEL_CUSTOMER));
    await tid('model-budgets').waitFor();
    const mrow = page.locator('[data-testid="model-budget-row"][data-model="mock"]');
    check(await mrow.count() === 1, 'no bar for the mock model');
    check((await mrow.getByTestId('model-budget-text').textContent()).includes('of $1.00'), 'model bar does not show its budget');
    check(await mrow.locator('.bar[role="meter"]').count() === 1, 'no remaining-budget bar');
    await shot('05-model-budgets');
    await page.goto(base + '/ui/#/budgets');
    await page.waitForSelector('[data-testid="budgets-table"]');
  });

  await step('put a customer on the tier, call through the openai SDK, reload and see the spend', async () => {
    await tid('tab-customers').click();
    await page.waitForSelector('[data-testid="customers-table"], [data-testid="customers-empty"]');
    await tid('create-customer').click();
    await tid('customer-id').fill(CUSTOMER);
    await tid('customer-alias').fill('Acme Corp');
    await page.waitForSelector(`[data-testid="customer-tier"] option[value="${TIER}"]`, { state: 'attached' });
    await tid('customer-tier').selectOption(TIER);
    await tid('customer-save').click();
    await page.locator(`[data-testid="customer-row"][data-customer-id="${CUSTOMER}"]`).waitFor();
    const c = await customerFromApi(CUSTOMER);
    check(c.budget_id === TIER && c.alias === 'Acme Corp', `API shows ${JSON.stringify(c)}`);

    const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 });
    const reply = await client.chat.completions.create({
      model: 'mock', user: CUSTOMER, messages: [{ role: 'user', content: 'Write a haiku about toll gates, please.' }],
    });
    check(reply.choices[0].message.content.length > 0, 'empty reply');
    check(reply.usage && reply.usage.total_tokens > 0, 'no usage in the reply');

    // The list shows persisted spend: reload until the flusher (1 s here) has written it.
    const row = page.locator(`[data-testid="customer-row"][data-customer-id="${CUSTOMER}"]`);
    let spend = 0;
    for (let i = 0; i < 30 && spend === 0; i++) {
      await page.reload();
      await row.waitFor();
      spend = money(await row.getByTestId('customer-cell-spend').textContent());
      if (spend === 0) await sleep(500);
    }
    check(spend > 0, 'spend still $0 after the call');
    const api = await customerFromApi(CUSTOMER);
    check(Math.abs(Number(api.spend) - spend) / Number(api.spend) < 0.01, `UI spend ${spend} vs API ${api.spend}`);
    const remaining = money(await row.locator('.remaining-text').textContent());
    check(remaining < 4 && remaining > 3.9, `remaining ${remaining} did not drop below $4`);
    check(await row.getByTestId('customer-cell-tier').textContent() === TIER, 'tier column wrong');
    await shot('03-customers');
  });

  await step('customer detail: live spend, spend per day and per model', async () => {
    await page.locator(`[data-testid="customer-row"][data-customer-id="${CUSTOMER}"] [data-testid="customer-link"]`).click();
    await tid('detail-id').waitFor();
    check(await tid('detail-id').textContent() === CUSTOMER, 'detail shows another customer');
    check(money(await tid('detail-spend').textContent()) > 0, 'detail spend is $0');
    await tid('daily-chart').waitFor();
    check(await page.locator('[data-testid="daily-chart"] rect.chart-bar').count() === 1, 'expected one day with spend');
    check((await tid('model-chart').textContent()).includes('mock'), 'model chart does not name the model');
    check(await tid('detail-soft').textContent() === '$3.00', 'detail does not show the soft budget');
    check(await tid('detail-parallel').textContent() === '5', 'detail does not show max parallel requests');
    check(await tid('detail-region').textContent() === 'any', 'detail does not show the region');
    await tid('customer-set-region').click();
    await page.waitForSelector('[data-testid="routing-model"] option[value="mock"]', { state: 'attached' });
    await tid('routing-region').selectOption('eu');
    await tid('routing-model').selectOption('mock');
    await tid('routing-save').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-region"]')?.textContent === 'eu');
    const routed = await customerFromApi(CUSTOMER);
    check(routed.allowed_model_region === 'eu' && routed.default_model === 'mock', `API shows ${JSON.stringify(routed)}`);
    await shot('04-customer-detail');
  });

  await step('change tier, block and unblock from the UI', async () => {
    const r = await adminApi('POST', '/budget/new', { budget_id: TIER2, max_budget: 50, budget_duration: '1mo', rpm_limit: 600 });
    check(r.status === 200, `creating ${TIER2}: ${r.text}`);
    const detail = tid('customer-detail');
    await detail.getByTestId('customer-change-tier').click();
    await page.waitForSelector(`[data-testid="tier-select"] option[value="${TIER2}"]`, { state: 'attached' });
    await tid('tier-select').selectOption(TIER2);
    await tid('tier-save').click();
    await page.waitForFunction(() => !document.getElementById('tier-dialog').open);
    await page.waitForFunction((t) => document.querySelector('[data-testid="customer-detail"] .tier')?.textContent === t, TIER2);
    check((await customerFromApi(CUSTOMER)).budget_id === TIER2, 'tier change not in the API');

    await detail.getByTestId('customer-block').click();
    await detail.getByTestId('customer-unblock').waitFor();
    check((await customerFromApi(CUSTOMER)).blocked === true, 'block not in the API');
    // A blocked customer's call is refused (and counted on the Overview).
    const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 });
    const refused = await client.chat.completions.create({ model: 'mock', user: CUSTOMER, messages: [{ role: 'user', content: 'hi' }] })
      .then(() => null, (e) => e);
    check(refused instanceof OpenAI.PermissionDeniedError, `blocked customer's call was not refused with 403: ${refused}`);
    await detail.getByTestId('customer-unblock').click();
    await detail.getByTestId('customer-block').waitFor();
    check((await customerFromApi(CUSTOMER)).blocked === false, 'unblock not in the API');
  });

  await step('delete a tier in use is refused with the server message; an unused one is deleted', async () => {
    await tid('tab-budgets').click();
    const row = page.locator(`[data-testid="budget-row"][data-budget-id="${TIER2}"]`);
    await row.waitFor();
    check(await row.getByTestId('budget-cell-customers').textContent() === '1', 'customer count not 1');
    await row.getByTestId('budget-delete').click();
    await tid('confirm-ok').click();
    const err = tid('confirm-error');
    await err.waitFor({ state: 'visible' });
    check(/is used by 1 customer/.test(await err.textContent()), `refusal says: ${await err.textContent()}`);
    check(await budgetFromApi(TIER2), 'tier in use was deleted');
    await shot('02b-delete-refused');
    await page.locator('#confirm-dialog [data-close]').click();

    const unused = page.locator(`[data-testid="budget-row"][data-budget-id="${TIER}"]`);
    check(await unused.getByTestId('budget-cell-customers').textContent() === '0', 'old tier still counts the customer');
    await unused.getByTestId('budget-delete').click();
    await tid('confirm-ok').click();
    await unused.waitFor({ state: 'detached' });
    check(await budgetFromApi(TIER) === undefined, 'deleted tier still in the API');
  });

  await step('hostile customer ids and aliases render as text; no dialog fires', async () => {
    // The id is fixed, so a second run against the same database finds it.
    let r = await adminApi('POST', '/customer/new', { user_id: XSS_ID, alias: XSS_ALIAS, budget_id: TIER2 });
    if (r.status === 400 && /already exists/.test(r.text)) {
      r = await adminApi('POST', '/customer/update', { user_id: XSS_ID, alias: XSS_ALIAS, budget_id: TIER2 });
    }
    check(r.status === 200, `creating the hostile customer: ${r.text}`);
    const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 });
    for (const user of [XSS_ID, XSS_SEEN]) {
      await client.chat.completions.create({ model: 'mock', user, messages: [{ role: 'user', content: 'hi' }] });
    }
    await tid('tab-customers').click();
    const row = page.locator('[data-testid="customer-row"]').filter({ hasText: XSS_ID });
    for (let i = 0; i < 30 && await page.locator('[data-testid="customer-row"]').filter({ hasText: XSS_SEEN }).count() === 0; i++) {
      await sleep(500);
      await page.reload();
      await page.waitForSelector('[data-testid="customers-table"]');
    }
    await row.waitFor();
    check(await row.getByTestId('customer-link').textContent() === XSS_ID, 'hostile id not rendered as its text');
    check((await row.textContent()).includes(XSS_ALIAS), 'hostile alias not rendered as its text');
    check(await page.locator('[data-testid="customer-row"]').filter({ hasText: XSS_SEEN }).count() === 1, 'customer seen on a call is not listed');
    check(await page.locator('img[src="x"], svg[onload], script:not([src])').count() === 0, 'hostile markup became elements');
    await shot('05-hostile-ids');

    await row.getByTestId('customer-link').click();
    await tid('detail-id').waitFor();
    check(await tid('detail-id').textContent() === XSS_ID, 'detail view does not show the id as text');
    await tid('tab-overview').click();
    await tid('top-customers').waitFor();
    check((await tid('top-customers').textContent()).includes(XSS_ID), 'overview top customers does not show the hostile id');
    check(await page.locator('img[src="x"], svg[onload], script:not([src])').count() === 0, 'hostile markup became elements in the overview');
    await sleep(500);
    check(dialogs.length === 0, `dialogs fired: ${JSON.stringify(dialogs)}`);
  });

  await step('search and empty states', async () => {
    await tid('tab-customers').click();
    await page.waitForSelector('[data-testid="customers-table"]');
    // The server matches the start of an id (or of an alias, in any case).
    await tid('customer-search').fill(CUSTOMER);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="customer-row"]').length === n, 1);
    const ids = await page.locator('[data-testid="customer-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.customerId));
    check(ids.every((id) => id.startsWith(CUSTOMER)) && ids.includes(CUSTOMER), `search rows: ${JSON.stringify(ids)}`);
    await tid('customer-search').fill('no-such-customer-' + run);
    await tid('customers-empty').waitFor();
    check(await tid('customers-table').count() === 0, 'table shown with no match');
    await tid('customer-search').fill('');
    await tid('customers-table').waitFor();
  });

  await step('customers over their budget or near it say so, and the list filters by it', async () => {
    const tight = `ui-tight-tier-${run}`;
    let r = await adminApi('POST', '/budget/new', { budget_id: tight, max_budget: 1, soft_budget: 0.8 });
    check(r.status === 200, `creating ${tight}: ${r.text}`);
    const token = `tight-${run}`;
    // Ids share a prefix: the search matches the start of an id.
    const over = `${token}-over`;
    const near = `${token}-near`;
    const fresh = `${token}-fresh`;
    for (const [id, spend] of [[over, 1.25], [near, 0.9], [fresh, 0.1]]) {
      r = await adminApi('POST', '/customer/new', { user_id: id, budget_id: tight, spend });
      check(r.status === 200, `creating ${id}: ${r.text}`);
    }
    const plain = `plain-${run}`;
    r = await adminApi('POST', '/customer/new', { user_id: plain });
    check(r.status === 200, `creating ${plain}: ${r.text}`);

    await tid('tab-customers').click();
    await page.waitForSelector('[data-testid="customers-table"]');
    const rows = page.locator('[data-testid="customer-row"]');
    const statusOf = async (id) => page.locator(`[data-testid="customer-row"][data-customer-id="${id}"] [data-testid="customer-cell-status"]`).textContent();
    await tid('customer-search').fill(token);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="customer-row"]').length === n, 3);
    check(await statusOf(over) === 'Over budget', `over-budget customer shows ${await statusOf(over)}`);
    check(await statusOf(near) === 'Near limit', `customer past its soft budget shows ${await statusOf(near)}`);
    check(await statusOf(fresh) === 'Active', `customer under its budget shows ${await statusOf(fresh)}`);
    const overRemaining = await page.locator(`[data-testid="customer-row"][data-customer-id="${over}"] .remaining-text`).textContent();
    check(overRemaining === 'over by $0.25', `over-budget remaining says ${overRemaining}`);

    await tid('customer-status').selectOption('over_budget');
    await page.waitForFunction((id) => {
      const ids = [...document.querySelectorAll('[data-testid="customer-row"]')].map((e) => e.dataset.customerId);
      return ids.length === 1 && ids[0] === id;
    }, over);
    await tid('customer-status').selectOption('near_limit');
    await page.waitForFunction((id) => {
      const ids = [...document.querySelectorAll('[data-testid="customer-row"]')].map((e) => e.dataset.customerId);
      return ids.length === 1 && ids[0] === id;
    }, near);
    await tid('customer-status').selectOption('blocked');
    await tid('customers-empty').waitFor();
    await tid('customer-status').selectOption('');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="customer-row"]').length === n, 3);
    check(await rows.count() === 3, 'the filter did not return to all customers');

    // No default end-user budget is configured here: a customer without a tier has none.
    await tid('customer-search').fill(plain);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="customer-row"]').length === n, 1);
    const tier = await page.locator('[data-testid="customer-row"] [data-testid="customer-cell-tier"]').textContent();
    check(tier === 'none', `tier of a customer without a budget shows ${tier}`);
    await tid('customer-search').fill('');
    await tid('customers-table').waitFor();
  });

  await step('overview shows this month\'s spend and the top customer', async () => {
    await tid('tab-overview').click();
    await tid('overview-refresh').click();
    await tid('top-customers').waitFor();
    check(money(await tid('overview-spend-month').textContent()) > 0, 'month spend is $0');
    check(money(await tid('overview-spend-today').textContent()) > 0, 'today spend is $0');
    check((await tid('top-customers').textContent()).includes(CUSTOMER), 'top customers lacks the customer');
    check(Number(await tid('overview-refusals').textContent()) >= 1, 'the blocked call is not counted as a refusal');
    check(/Customer blocked/.test(await tid('refusals').textContent()), 'refusals by reason lacks "Customer blocked"');
    await shot('00-overview');
    await tid('tab-budgets').click();
    await page.locator(`[data-testid="budget-row"][data-budget-id="${TIER2}"]`).waitFor();
    await shot('02-budgets');
    await tid('create-budget').click();
    await tid('budget-id').fill('my-free-tier');
    await tid('budget-max').fill('4');
    await tid('budget-duration').fill('30d');
    await shot('02a-create-budget');
    await page.locator('#budget-dialog [data-close]').click();
  });

  await step('no script errors, no CSP violations, nothing fetched from another origin', async () => {
    check(pageErrors.length === 0, `page errors: ${JSON.stringify(pageErrors)}`);
    const csp = consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
    check(csp.length === 0, `CSP violations: ${JSON.stringify(csp)}`);
    const foreign = requests.filter((u) => !u.startsWith(base));
    check(foreign.length === 0, `requests to other origins: ${JSON.stringify(foreign)}`);
    check(dialogs.length === 0, `dialogs fired: ${JSON.stringify(dialogs)}`);
  });
} finally {
  await browser.close();
}

console.log(JSON.stringify({ passed, failed, screenshots, dialogs, pageErrors, consoleErrors }));
process.exit(failed.length === 0 ? 0 : 1);
