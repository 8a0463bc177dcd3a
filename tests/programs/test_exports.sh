# SPDX-License-Identifier: BSD-2-Clause
# The module exports only the pam_sm_* functions it implements, and loads
# nothing that talks to the network: that runs in the helper.
. "$HB_SRC/tests/lib/lib.sh"
so=$HB_BUILD/pam_haobtc/.libs/pam_haobtc.so
got=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
check module_exports_only_pam_sm_functions \
    [ "$got" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ]
[ "$got" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred " ] || echo "exports: $got"

# Everything the module pulls into sshd, su or sudo, directly or not.
loaded=$(ldd "$so" | awk '{print $1}' | tr '\n' ' ')
echo "module loads: $loaded"
no_network_libraries() {
    ! printf '%s\n' $loaded | grep -Eq '^lib(curl|json-c|ssl|crypto|gnutls|nghttp2|ssh|ldap|gssapi|krb5|idn2|psl|brotli|zstd|rtmp)'
}
check module_loads_no_curl_json_or_tls_library no_network_libraries
helper=$HB_BUILD/pam_haobtc/helper/haobtc-helper
check helper_is_the_one_with_curl sh -c "ldd '$helper' | grep -q libcurl"

# The installed module starts the installed helper, at a path fixed when it
# was built; the build tree's module starts the build tree's.
libexec=$(sed -n 's/^pkglibexecdir = //p' "$HB_BUILD/Makefile")
prefix=$(sed -n 's/^prefix = //p' "$HB_BUILD/Makefile")
exec_prefix=$(sed -n 's/^exec_prefix = //p' "$HB_BUILD/Makefile")
libexecdir=$(sed -n 's/^libexecdir = //p' "$HB_BUILD/Makefile")
exec_prefix=${exec_prefix//'${prefix}'/$prefix}
libexecdir=${libexecdir//'${exec_prefix}'/$exec_prefix}
libexec=${libexec//'$(libexecdir)'/$libexecdir}
libexec=${libexec//'@PACKAGE@'/pam_haobtc}
echo "installed helper path: $libexec/haobtc-helper"
check installed_module_starts_the_helper_in_pkglibexecdir \
    grep -qaF "$libexec/haobtc-helper" "$so"
check build_tree_module_starts_the_build_tree_helper \
    grep -qaF "$HB_BUILD/pam_haobtc/helper/haobtc-helper" "$HB_MODULE"
check helper_refuses_to_run_by_hand sh -c \
    "'$helper' 2>&1 3<&- | grep -q 'not by hand'; test \$? -eq 0"
finish
