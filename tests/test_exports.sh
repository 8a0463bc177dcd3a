# The module exports only the pam_sm_* functions it implements.
. "$HB_SRC/tests/lib.sh"
so=$HB_BUILD/pam_haobtc/.libs/pam_haobtc.so
got=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
check module_exports_only_pam_sm_functions \
    [ "$got" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred " ]
[ "$got" = "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred " ] || echo "exports: $got"
finish
