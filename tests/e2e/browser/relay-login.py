#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The phone's part of a relay login, in Debian's chromium driven through
Debian's chromedriver by python3-selenium: the short link's context page,
the provider's authorize page, approval, and the relay's done page, with a
screenshot of each; then the same for a second link in a tab that asks for
Chinese.

Prints one "[       OK ] name" line per step, or a FAILED line and exits 1.
Every wait is bounded: each browser command by HB_STEP_TIMEOUT seconds
(10), the whole run by HB_RUN_TIMEOUT (60; e2e_browser.sh sets it), after
which it fails.
Input from the environment: HB_LINK (the short link from the PAM prompt),
HB_USER, HB_HOST, HB_SERVICE (what the context page must name),
HB_COMMAND_ZH (the command the Chinese page shows, under service sudo),
HB_NUMBER, HB_NUMBER_ZH (the numbers to pick), HB_LINK_WRONG and
HB_NUMBER_WRONG (a login whose page gets another number than its own),
MOCK2_URL, RELAY_URL,
HB_SPKI (base64 SHA-256 of the test server certificate's public key),
HB_ARTIFACTS (screenshot folder), HB_PROFILE (a fresh profile folder),
HB_CHROMIUM, HB_CHROMEDRIVER (the programs; Debian's by default),
HB_DRIVER_LOG (chromedriver's log); HB_LINK_ZH (a second short link for
alice) and HB_CODE_ZH (where the code its done page shows goes)."""
import base64
import json
import os
import re
import signal
import sys

step = "setup"
service = None  # chromedriver, once started


def env(name):
    v = os.environ.get(name)
    if not v:
        raise RuntimeError(f"{name} is not set")
    return v


def ok(name, detail=None):
    print(f"[       OK ] {name}" + (f" ({detail})" if detail else ""), flush=True)


def expect(name, cond, detail=None):
    global step
    step = name
    if not cond:
        raise RuntimeError(detail or "condition false")
    ok(name)


class RunTimeout(BaseException):
    """Not an Exception: selenium's own cleanup on errors (which waits on a
    hung chromedriver for a minute) must not catch it."""


def on_signal(signum, frame):
    # Raised where the run is, so the FAILED line names the step and the
    # finally below still ends chromedriver and chromium.
    raise RunTimeout("out of time (SIGALRM)" if signum == signal.SIGALRM else f"signal {signum}")


# What each language's pages must say (the relay's and the mock's own
# texts from po/zh_CN.po), and the screenshots' names.
TEXTS = {
    "en": {"shot": "", "ok": "", "title": "Approve login", "done": re.compile("approved", re.I)},
    "zh-CN": {
        "shot": "-zh-CN",
        "ok": "_in_chinese",
        "title": "批准登录",
        "authorize": "使用 haobtc 登录（模拟）",
        "done": re.compile("已批准登录，请回到终端。"),
    },
}


class Phone:
    """One browser tab, with what the test asks of it."""

    def __init__(self, driver, wait_s):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.d = driver
        self.by = By
        self.wait = WebDriverWait(driver, wait_s)
        # A phone-sized viewport, as the real phones that open the link.
        self.cdp("Emulation.setDeviceMetricsOverride",
                 width=412, height=780, deviceScaleFactor=1, mobile=False)

    def cdp(self, method, **params):
        return self.d.execute_cdp_cmd(method, params)

    def el(self, selector):
        by = self.by.CSS_SELECTOR
        return self.wait.until(lambda d: d.find_element(by, selector), f"no {selector} on the page")

    def count(self, selector):
        return len(self.d.find_elements(self.by.CSS_SELECTOR, selector))

    def text(self, selector):
        return self.el(selector).get_property("innerText")

    def lang(self):
        return self.el("html").get_attribute("lang")

    def loaded(self, prefix):
        """Waits until the tab shows a page under prefix, fully loaded."""

        def there(d):
            return (d.current_url.startswith(prefix)
                    and d.execute_script("return document.readyState") == "complete")

        self.wait.until(there, f"no page under {prefix}")

    def status(self):
        # The main document's HTTP status as chromium itself recorded it.
        return self.d.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return n ? n.responseStatus : null;")

    def screenshot(self, path):
        # The whole page, not only the viewport.
        size = self.cdp("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.cdp("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": size["width"],
                              "height": size["height"], "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def fonts(self, selector):
        """The names of the fonts chromium drew selector's text in: a Chinese
        page drawn without a CJK font shows boxes in its screenshot."""
        self.cdp("DOM.enable")
        self.cdp("CSS.enable")
        root = self.cdp("DOM.getDocument")["root"]
        node = self.cdp("DOM.querySelector", nodeId=root["nodeId"], selector=selector)
        fonts = self.cdp("CSS.getPlatformFontsForNode", nodeId=node["nodeId"])["fonts"]
        return [f["familyName"] for f in fonts]

    def cookies(self, url):
        return self.cdp("Network.getCookies", urls=[url])["cookies"]


def choices(p):
    """The numbers the context page offers to pick (number matching)."""
    return [b.get_attribute("value") for b in
            p.d.find_elements(p.by.CSS_SELECTOR, 'form[method="post"] button[name="number"]')]


def wrong_pick(p, link, number):
    """A phone that picks another number than the terminal shows: the page
    says the number did not match (the login is over)."""
    global step
    step = "wrong_pick_opens_the_context_page"
    p.d.get(link)
    p.loaded(link)
    offered = choices(p)
    expect("context_page_offers_three_distinct_numbers_one_the_terminals",
           len(set(offered)) == 3 and number in offered, f"{offered}, number {number}")
    wrong = next(n for n in offered if n != number)
    step = "wrong_pick_is_refused"
    p.el(f'button[name="number"][value="{wrong}"]').click()
    p.wait.until(lambda d: d.execute_script("return document.readyState") == "complete"
                 and "Number did not match" in d.page_source, "no refusal page")
    status = p.status()
    expect("wrong_pick_is_403", status == 403, f"status {status}")
    main = p.text("main")
    expect("wrong_pick_page_says_the_number_did_not_match", "Number did not match" in main, main)
    p.screenshot(os.path.join(env("HB_ARTIFACTS"), "mismatch.png"))


def phone_login(p, link, lang, want_service, want_command="", number=""):
    """One phone's way through a relay login, whose context page names
    want_service and shows want_command ("" for none) and asks to pick
    number ("" for none); returns the code the done page shows."""
    global step
    from selenium.webdriver.support.ui import Select

    user = env("HB_USER")
    host = env("HB_HOST")
    mock = env("MOCK2_URL")
    relay = env("RELAY_URL")
    shots = env("HB_ARTIFACTS")
    t = TEXTS[lang]

    def name(n):
        return n + t["ok"]

    step = name("context_page_opens")
    p.d.get(link)
    p.loaded(link)
    status = p.status()
    expect(name("context_page_is_200"), status == 200, f"status {status}")
    main = p.text("main")
    expect(name("context_page_names_the_user"), user in main, main)
    expect(name("context_page_names_the_host"), host in main, main)
    # What is approved (issue 27): the PAM service, and sudo's command.
    service = p.text("#service") if p.count("#service") == 1 else ""
    expect(name("context_page_names_the_pam_service"), want_service in service, service)
    if want_command:
        shown = p.text("#command") if p.count("#command") == 1 else ""
        expect(name("context_page_shows_the_command"), shown == want_command, shown)
    if lang != "en":
        expect("context_page_has_lang_zh_cn", p.lang() == lang, p.lang())
        expect("context_page_title_is_chinese", t["title"] in main, main)
        fonts = p.fonts("h1")
        step = "context_page_is_drawn_in_a_cjk_font"
        if not any("CJK" in f for f in fonts):
            raise RuntimeError(f"fonts {', '.join(fonts)} (install fonts-noto-cjk)")
        ok(step, ", ".join(fonts))
    p.screenshot(os.path.join(shots, f"context{t['shot']}.png"))

    step = name("continue_leads_to_the_provider")
    # Continue is a POST form: it sets the relay's cookie for /cb, then
    # the relay redirects (303) to the provider.
    if number:
        # Number matching: Continue is the pick of the terminal's number.
        offered = choices(p)
        expect(name("context_page_offers_three_distinct_numbers_one_the_terminals"),
               len(set(offered)) == 3 and number in offered, f"{offered}, number {number}")
        p.el(f'form[method="post"] button[name="number"][value="{number}"]').click()
    else:
        expect(name("continue_is_a_post_form"), p.count('form[method="post"] #continue') == 1)
        p.el("#continue").click()
    p.loaded(f"{mock}/")
    cookies = p.cookies(f"{relay}/cb")
    cid = "hb_" + link[link.rindex("/") + 1:]
    c = next((k for k in cookies if k["name"] == cid), None)
    expect(name("continue_sets_a_secure_httponly_lax_cookie_for_cb"),
           c is not None and c["secure"] and c["httpOnly"]
           and c.get("sameSite") == "Lax" and c["path"] == "/cb",
           json.dumps(cookies))
    url = p.d.current_url
    expect(name("continue_leads_to_the_providers_authorize_page"),
           url.startswith(f"{mock}/auth/oauth/authorize/"), url)
    if lang != "en":
        expect("authorize_page_has_lang_zh_cn", p.lang() == lang, p.lang())
        h1 = p.text("h1")
        expect("authorize_page_title_is_chinese", h1 == t["authorize"], h1)
    account = 'select[name="username"]'
    Select(p.el(account)).select_by_value(user)
    expect(name("authorize_page_account_is_selected"),
           p.el(account).get_property("value") == user)
    p.screenshot(os.path.join(shots, f"authorize{t['shot']}.png"))

    step = name("approve_returns_to_the_relay")
    p.el("#approve").click()
    p.loaded(f"{relay}/cb?")
    url = p.d.current_url
    expect(name("approval_redirects_to_the_relay_callback"), url.startswith(f"{relay}/cb?"), url)
    done = p.text("main")
    expect(name("done_page_says_approved"), t["done"].search(done) is not None, done)
    if lang != "en":
        expect("done_page_has_lang_zh_cn", p.lang() == lang, p.lang())
    code = p.text("#code").strip()
    expect(name("done_page_shows_the_code_with_its_tag"),
           re.fullmatch(r"[A-Za-z0-9._~-]{8,}:[A-Za-z0-9_-]{8}", code) is not None, code)
    p.screenshot(os.path.join(shots, f"done{t['shot']}.png"))
    return code


def run():
    global service, step
    step = "browser_starts"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    wait_s = float(os.environ.get("HB_STEP_TIMEOUT", "10"))
    chromedriver = os.environ.get("HB_CHROMEDRIVER", "/usr/bin/chromedriver")
    # Given a missing path, selenium would look for a driver elsewhere.
    if not os.access(chromedriver, os.X_OK):
        raise RuntimeError(f"{chromedriver} is missing (apt: chromium-driver)")
    # The test talks to 127.0.0.1 only; a proxy from the environment would
    # take selenium's requests to chromedriver, or chromium's, elsewhere.
    for k in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        os.environ.pop(k, None)
    o = webdriver.ChromeOptions()
    o.binary_location = os.environ.get("HB_CHROMIUM", "/usr/bin/chromium")
    # The servers use a certificate from the test's own CA. Chromium takes no
    # CA file, so the one server key is trusted by its SPKI hash (which needs
    # a --user-data-dir); certificate checks stay on for everything else.
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-quic", "--no-proxy-server",
              f"--user-data-dir={env('HB_PROFILE')}",
              f"--ignore-certificate-errors-spki-list={env('HB_SPKI')}"):
        o.add_argument(a)
    service = Service(chromedriver, log_path=os.environ.get("HB_DRIVER_LOG"))
    d = webdriver.Chrome(service=service, options=o)
    try:
        d.set_page_load_timeout(wait_s)
        d.set_script_timeout(wait_s)
        ok("browser_starts", d.capabilities.get("browserVersion", "chromium"))
        wrong_pick(Phone(d, wait_s), env("HB_LINK_WRONG"), env("HB_NUMBER_WRONG"))
        phone_login(Phone(d, wait_s), env("HB_LINK"), "en", env("HB_SERVICE"),
                    number=env("HB_NUMBER"))
        # A phone set to Chinese: every request its tab makes says so.
        d.switch_to.new_window("tab")
        zh = Phone(d, wait_s)
        zh.cdp("Network.enable")
        zh.cdp("Network.setExtraHTTPHeaders", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        code = phone_login(zh, env("HB_LINK_ZH"), "zh-CN", "sudo", env("HB_COMMAND_ZH"),
                           env("HB_NUMBER_ZH"))
        with open(env("HB_CODE_ZH"), "w") as f:
            f.write(code + "\n")
    finally:
        # Ending must not wait on a browser that hangs either: quit gets 10 s,
        # and the caller kills whatever is left of the process group.
        signal.alarm(10)
        try:
            d.quit()
        except BaseException:
            pass
        signal.alarm(0)


def main():
    signal.signal(signal.SIGALRM, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.alarm(int(os.environ.get("HB_RUN_TIMEOUT", "60")))
    try:
        run()
    except BaseException as e:  # every failure is a FAILED line, never a hang
        msg = getattr(e, "msg", None) or str(e) or type(e).__name__
        print(f"[  FAILED  ] {step}: {type(e).__name__}: {msg.splitlines()[0]}", flush=True)
        # No more waiting: selenium's cleanup at exit would wait on a hung
        # chromedriver. The caller kills what chromedriver started.
        if service is not None and getattr(service, "process", None) is not None:
            service.process.kill()
            service.process.wait(5)
        os._exit(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
