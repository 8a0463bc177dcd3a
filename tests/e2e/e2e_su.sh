#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end with su: util-linux su authenticates bob's "su - alice"
# through examples/pam.d/su as it is (su-l includes it), in a private mount
# namespace, under a pseudo-terminal (tmux, 80x24, UTF-8) read from the screen.
set -u
. "$(dirname "$0")/../lib/e2e-prelude.sh"
e2e_enter "$0" "$@"
e2e_setup e2e_su
e2e_pam_service su

# su_term NAME: bob, in a terminal of his own, runs "su - alice -c 'id -un'";
# its output goes to NAME.out.
su_term() {
    e2e_term "$1" "$E2E_DIR/$1.out" su -s /bin/bash bob -c "su - alice -c 'id -un'"
}
became_alice() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" = 0 ] &&
        [ "$(cat "$E2E_DIR/$1.out")" = alice ] || { e2e_show "$1"; return 1; }
}
refused() {
    e2e_wait_end "$1" 15 && [ "$(e2e_exit_status "$1")" != 0 ] &&
        [ ! -s "$E2E_DIR/$1.out" ] &&
        e2e_scrollback "$1" | grep -q 'su: Authentication failure' &&
        e2e_scrollback "$1" | grep -q 'This haobtc account may not log in to this account' ||
        { e2e_show "$1"; return 1; }
}

# The prompt on su's terminal: who is logging in where, the QR code (which
# scans to the link printed under it), and the question.
prompt_is_shown() {
    e2e_qr_is_the_link u1 '^Sign in with haobtc to log in as alice on '
}

e2e_conf relay timeout=60 http_timeout=5
su_term u1
if e2e_wait_text u1 'press Enter' 10; then
    check su_prompt_and_qr_code_are_shown prompt_is_shown
    e2e_type u1 Enter
    sleep 1
    phone_approve "$(e2e_link u1)" alice "$(e2e_number u1)"
    check su_relay_approval_makes_bob_alice became_alice u1
else
    e2e_show u1
    not_ok su_prompt_and_qr_code_are_shown
fi

e2e_conf paste timeout=60 http_timeout=5
su_term u2
if e2e_wait_text u2 'paste the code shown' 10; then
    e2e_type u2 -l "$(approve_tagged alice "$(e2e_state u2)" "$(e2e_challenge u2)")"
    e2e_type u2 Enter
    check su_pasted_code_makes_bob_alice became_alice u2
else
    e2e_show u2
    not_ok su_paste_prompt_is_shown
fi

# bob approving with his own haobtc account does not make him alice.
su_term u3
if e2e_wait_text u3 'paste the code shown' 10; then
    e2e_type u3 -l "$(approve_tagged bob "$(e2e_state u3)" "$(e2e_challenge u3)")"
    e2e_type u3 Enter
    check su_bobs_haobtc_identity_cannot_become_alice refused u3
else
    e2e_show u3
    not_ok su_paste_prompt_is_shown_again
fi

# Under LANG=zh_CN.UTF-8 (lang = auto): su's own setlocale picks the
# locale, the module follows it; the prompt is Chinese and the relay's
# approval makes bob alice as before.
chinese_prompt_is_shown() {
    local screen link
    screen=$(e2e_screen uz)
    link=$(printf '%s\n' "$screen" | grep -oE '^https://[^ ]+/s/[^ ]+$')
    printf '%s\n' "$screen" | grep -q '^请用 haobtc 扫码，以 alice 身份登录 ' &&
        printf '%s\n' "$screen" | grep -q '^在手机上批准后按回车键（或粘贴代码）：' &&
        [ -n "$link" ] || { e2e_show uz; return 1; }
}
if e2e_zh_locale; then
    e2e_conf relay timeout=60 http_timeout=5
    E2E_LANG=zh_CN.UTF-8 su_term uz
    if e2e_wait_text uz '按回车键' 10; then
        check su_under_lang_zh_cn_shows_the_chinese_prompt chinese_prompt_is_shown
        e2e_type uz Enter
        phone_approve "$(e2e_link uz)" alice "$(e2e_number uz)"
        check su_under_lang_zh_cn_makes_bob_alice became_alice uz
    else
        e2e_show uz
        not_ok su_under_lang_zh_cn_shows_the_chinese_prompt
    fi
else
    not_ok su_zh_cn_locale_is_made "localedef -i zh_CN -f UTF-8 failed"
fi

finish
