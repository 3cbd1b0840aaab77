// The README's screenshot of the admin page, from demo data: pricing tiers and customers as a
// reseller of LLM access would have them (one over its budget, one near its limit, one blocked),
// a few real calls through the proxy, then the Customers tab in Debian's headless chromium.
//
//   node demo-screenshot.mjs <baseURL> <masterKey> <outputPng>
//
// Meant for an empty proxy (AdminPageScreenshot starts one). Prints one JSON line
// {"screenshot":path} or {"failed":message} and exits 0 only on success.
import { chromium } from 'playwright-core';
import OpenAI from 'openai';

const [base, key, out] = process.argv.slice(2);
if (!base || !key || !out) {
  console.error('usage: node demo-screenshot.mjs <baseURL> <masterKey> <outputPng>');
  process.exit(2);
}

const TIERS = [
  { budget_id: 'starter', max_budget: 10, soft_budget: 8, budget_duration: '30d', rpm_limit: 60, tpm_limit: 100000 },
  { budget_id: 'growth', max_budget: 100, soft_budget: 80, budget_duration: '30d', rpm_limit: 600, tpm_limit: 1000000 },
  { budget_id: 'enterprise', max_budget: 2000, budget_duration: '1mo', rpm_limit: 6000 },
];

// [id, alias, tier, spend so far this period (USD), blocked]
const CUSTOMERS = [
  ['acme-corp', 'Acme Corp', 'growth', 61.42, false],
  ['blue-harbor', 'Blue Harbor Analytics', 'enterprise', 1204.5, false],
  ['brightpath', 'BrightPath Tutoring', 'starter', 8.73, false],
  ['cobalt-labs', 'Cobalt Labs', 'growth', 100.37, false],
  ['dune-robotics', 'Dune Robotics', 'starter', 2.15, false],
  ['evergreen-health', 'Evergreen Health', 'enterprise', 412.08, false],
  ['fjord-studio', 'Fjord Studio', null, 3.8, false],
  ['granite-ai', 'Granite AI', 'starter', 4.1, true],
];

async function admin(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

let browser;
try {
  for (const t of TIERS) await admin('POST', '/budget/new', t);
  for (const [id, alias, tier, spend, blocked] of CUSTOMERS) {
    const body = { user_id: id, alias, spend, blocked };
    if (tier) body.budget_id = tier;
    else Object.assign(body, { max_budget: 25, budget_duration: '30d' }); // a budget of its own
    await admin('POST', '/customer/new', body);
  }
  // A few real calls, so spend per day and per model have something to show.
  const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', maxRetries: 0 });
  for (const user of ['acme-corp', 'acme-corp', 'blue-harbor', 'dune-robotics', 'evergreen-health']) {
    await client.chat.completions.create({ model: 'gpt-4o-mini', user, messages: [{ role: 'user', content: 'Summarise our toll-road traffic report in one line.' }] });
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(base + '/ui/');
  await page.evaluate((k) => sessionStorage.setItem('tollgate.masterKey', k), key);
  await page.goto(base + '/ui/#/customers');
  await page.waitForSelector('[data-testid="customers-table"]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="customer-row"]').length === n, CUSTOMERS.length);
  await page.screenshot({ path: out });
  console.log(JSON.stringify({ screenshot: out }));
} catch (e) {
  console.log(JSON.stringify({ failed: String(e && e.stack ? e.stack : e) }));
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
}
