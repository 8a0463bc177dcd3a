# The style gates: every C file as .clang-format says, and every shell
# script free of shellcheck's warnings and errors (its notes on style
# aside; .shellcheckrc says which checks are off and why).
. "$HB_SRC/tests/lib.sh"
cd "$HB_SRC" || exit 1

c_files() {
    find pam_haobtc tools tests \( -name '*.c' -o -name '*.h' \) -type f | sort
}
shell_files() {
    local f
    find tests tools .ci debian -type f ! -name '*.c' ! -name '*.h' ! -name '*.py' \
        ! -path 'tests/data/*' ! -path 'tests/browser/*' | sort | while read -r f; do
        case $f in
        *.sh) echo "$f" ;;
        *) head -n1 "$f" | grep -qE '^#!(/usr)?/bin/(env )?(ba)?sh' && echo "$f" ;;
        esac
    done
}

formatted() {
    local out
    out=$(c_files | xargs clang-format --dry-run --Werror 2>&1) || { printf '%s\n' "$out" | grep 'error:' | head -n 20; return 1; }
}
n_c=$(c_files | wc -l)
check "c_files_are_clang_formatted ($n_c files)" formatted

clean_scripts() {
    # Sourced test files have no shebang: they run under bash.
    shell_files | xargs shellcheck -s bash -S warning -f gcc
}
n_sh=$(shell_files | wc -l)
check "shell_scripts_have_no_shellcheck_warning ($n_sh files)" clean_scripts
finish
