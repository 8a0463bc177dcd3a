// The phone's part of a relay login, in Debian's chromium driven by
// playwright-core: the short link's context page, the provider's authorize
// page, approval, and the relay's done page, with a screenshot of each.
// Prints one "[       OK ] name" line per step, or a FAILED line and exits 1.
// Input from the environment: HB_LINK (the short link from the PAM prompt),
// HB_USER, HB_HOST (what the context page must name), MOCK2_URL, RELAY_URL,
// HB_SPKI (base64 SHA-256 of the test server certificate's public key),
// HB_ARTIFACTS (screenshot folder), HB_PROFILE (a fresh profile folder).
'use strict';

const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

let step = 'setup';
const ok = (name, detail) =>
  console.log(`[       OK ] ${name}${detail ? ` (${detail})` : ''}`);
function expect(name, cond, detail) {
  step = name;
  if (!cond) throw new Error(detail || 'condition false');
  ok(name);
}

async function main() {
  const link = env('HB_LINK');
  const user = env('HB_USER');
  const host = env('HB_HOST');
  const mock = env('MOCK2_URL');
  const relay = env('RELAY_URL');
  const shots = env('HB_ARTIFACTS');

  step = 'browser_starts';
  // The servers use a certificate from the test's own CA. Chromium takes no
  // CA file, so the one server key is trusted by its SPKI hash (which needs
  // a --user-data-dir: launchPersistentContext passes HB_PROFILE as that);
  // certificate checks stay on for everything else.
  const context = await chromium.launchPersistentContext(env('HB_PROFILE'), {
    executablePath: process.env.HB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: 30000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      `--ignore-certificate-errors-spki-list=${env('HB_SPKI')}`,
    ],
    viewport: { width: 412, height: 780 },
  });
  try {
    context.setDefaultTimeout(10000);
    const page = context.pages()[0] || (await context.newPage());
    ok('browser_starts', (await context.browser()?.version()) || 'chromium');

    step = 'context_page_opens';
    const first = await page.goto(link);
    expect('context_page_is_200', first && first.status() === 200,
      `status ${first && first.status()}`);
    const main = await page.locator('main').innerText();
    expect('context_page_names_the_user', main.includes(user), main);
    expect('context_page_names_the_host', main.includes(host), main);
    await page.screenshot({ path: path.join(shots, 'context.png'), fullPage: true });

    step = 'continue_leads_to_the_provider';
    // Continue is a POST form: it sets the relay's cookie for /cb, then
    // the relay redirects (303) to the provider.
    expect('continue_is_a_post_form',
      (await page.locator('form[method="post"] #continue').count()) === 1);
    await Promise.all([page.waitForURL(`${mock}/**`), page.click('#continue')]);
    const cookies = await context.cookies(`${relay}/cb`);
    const c = cookies.find((k) => k.name.startsWith('hb_'));
    expect('continue_sets_a_secure_httponly_lax_cookie_for_cb',
      c && c.secure && c.httpOnly && c.sameSite === 'Lax' && c.path === '/cb',
      JSON.stringify(cookies));
    expect('continue_leads_to_the_providers_authorize_page',
      page.url().startsWith(`${mock}/auth/oauth/authorize/`), page.url());
    await page.selectOption('select[name="username"]', user);
    expect('authorize_page_account_is_selected',
      (await page.inputValue('select[name="username"]')) === user);
    await page.screenshot({ path: path.join(shots, 'authorize.png'), fullPage: true });

    step = 'approve_returns_to_the_relay';
    await Promise.all([page.waitForURL(`${relay}/cb?**`), page.click('#approve')]);
    expect('approval_redirects_to_the_relay_callback',
      page.url().startsWith(`${relay}/cb?`), page.url());
    const done = await page.locator('main').innerText();
    expect('done_page_says_approved', /approved/i.test(done), done);
    const code = (await page.locator('#code').innerText()).trim();
    expect('done_page_shows_the_code_with_its_tag',
      /^[A-Za-z0-9._~-]{8,}:[A-Za-z0-9_-]{8}$/.test(code), code);
    await page.screenshot({ path: path.join(shots, 'done.png'), fullPage: true });
  } finally {
    await context.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.log(`[  FAILED  ] ${step}: ${String(e && e.message).split('\n')[0]}`);
    process.exit(1);
  },
);
