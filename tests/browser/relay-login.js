// The phone's part of a relay login, in Debian's chromium driven by
// playwright-core: the short link's context page, the provider's authorize
// page, approval, and the relay's done page, with a screenshot of each;
// then the same for a second link on a phone that asks for Chinese.
// Prints one "[       OK ] name" line per step, or a FAILED line and exits 1.
// Input from the environment: HB_LINK (the short link from the PAM prompt),
// HB_USER, HB_HOST (what the context page must name), MOCK2_URL, RELAY_URL,
// HB_SPKI (base64 SHA-256 of the test server certificate's public key),
// HB_ARTIFACTS (screenshot folder), HB_PROFILE (a fresh profile folder);
// HB_LINK_ZH (a second short link for alice) and HB_CODE_ZH (where the code
// its done page shows goes).
'use strict';

const fs = require('fs');
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

// What each language's pages must say (the relay's and the mock's own
// texts from po/zh_CN.po), and the screenshots' names.
const texts = {
  en: { shot: '', ok: '', title: 'Approve login', done: /approved/i },
  'zh-CN': {
    shot: '-zh-CN', ok: '_in_chinese', title: '批准登录',
    authorize: '使用 haobtc 登录（模拟）', done: /已批准登录，请回到终端。/,
  },
};

// The name the fonts used for el's text go by, as chromium drew it: a
// Chinese page drawn without a CJK font shows boxes in its screenshot.
async function fontsOf(context, page, selector) {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector',
      { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => f.familyName);
  } finally {
    await cdp.detach();
  }
}

// One phone's way through a relay login; returns the code the done page
// shows.
async function phone(context, page, link, lang) {
  const user = env('HB_USER');
  const host = env('HB_HOST');
  const mock = env('MOCK2_URL');
  const relay = env('RELAY_URL');
  const shots = env('HB_ARTIFACTS');
  const t = texts[lang];
  const name = (n) => `${n}${t.ok}`;
  const langOf = async () => page.getAttribute('html', 'lang');

  step = name('context_page_opens');
  const first = await page.goto(link);
  expect(name('context_page_is_200'), first && first.status() === 200,
    `status ${first && first.status()}`);
  const main = await page.locator('main').innerText();
  expect(name('context_page_names_the_user'), main.includes(user), main);
  expect(name('context_page_names_the_host'), main.includes(host), main);
  if (lang !== 'en') {
    expect('context_page_has_lang_zh_cn', (await langOf()) === lang,
      await langOf());
    expect('context_page_title_is_chinese', main.includes(t.title), main);
    const fonts = await fontsOf(context, page, 'h1');
    step = 'context_page_is_drawn_in_a_cjk_font';
    if (!fonts.some((f) => /CJK/.test(f)))
      throw new Error(`fonts ${fonts.join(', ')} (install fonts-noto-cjk)`);
    ok(step, fonts.join(', '));
  }
  await page.screenshot({ path: path.join(shots, `context${t.shot}.png`), fullPage: true });

  step = name('continue_leads_to_the_provider');
  // Continue is a POST form: it sets the relay's cookie for /cb, then
  // the relay redirects (303) to the provider.
  expect(name('continue_is_a_post_form'),
    (await page.locator('form[method="post"] #continue').count()) === 1);
  await Promise.all([page.waitForURL(`${mock}/**`), page.click('#continue')]);
  const cookies = await context.cookies(`${relay}/cb`);
  const id = link.slice(link.lastIndexOf('/') + 1);
  const c = cookies.find((k) => k.name === `hb_${id}`);
  expect(name('continue_sets_a_secure_httponly_lax_cookie_for_cb'),
    c && c.secure && c.httpOnly && c.sameSite === 'Lax' && c.path === '/cb',
    JSON.stringify(cookies));
  expect(name('continue_leads_to_the_providers_authorize_page'),
    page.url().startsWith(`${mock}/auth/oauth/authorize/`), page.url());
  if (lang !== 'en') {
    expect('authorize_page_has_lang_zh_cn', (await langOf()) === lang,
      await langOf());
    const h1 = await page.locator('h1').innerText();
    expect('authorize_page_title_is_chinese', h1 === t.authorize, h1);
  }
  await page.selectOption('select[name="username"]', user);
  expect(name('authorize_page_account_is_selected'),
    (await page.inputValue('select[name="username"]')) === user);
  await page.screenshot({ path: path.join(shots, `authorize${t.shot}.png`), fullPage: true });

  step = name('approve_returns_to_the_relay');
  await Promise.all([page.waitForURL(`${relay}/cb?**`), page.click('#approve')]);
  expect(name('approval_redirects_to_the_relay_callback'),
    page.url().startsWith(`${relay}/cb?`), page.url());
  const done = await page.locator('main').innerText();
  expect(name('done_page_says_approved'), t.done.test(done), done);
  if (lang !== 'en')
    expect('done_page_has_lang_zh_cn', (await langOf()) === lang, await langOf());
  const code = (await page.locator('#code').innerText()).trim();
  expect(name('done_page_shows_the_code_with_its_tag'),
    /^[A-Za-z0-9._~-]{8,}:[A-Za-z0-9_-]{8}$/.test(code), code);
  await page.screenshot({ path: path.join(shots, `done${t.shot}.png`), fullPage: true });
  return code;
}

async function main() {
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
    await phone(context, page, env('HB_LINK'), 'en');
    // A phone set to Chinese: every page it asks for says so.
    const zh = await context.newPage();
    await zh.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9' });
    const code = await phone(context, zh, env('HB_LINK_ZH'), 'zh-CN');
    fs.writeFileSync(env('HB_CODE_ZH'), `${code}\n`);
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
