# SPDX-License-Identifier: BSD-2-Clause
# The translations are whole: every string the sources mark is in each
# catalog, translated and not fuzzy, with placeholders that match, and
# every source that marks strings is in po/POTFILES.in.
# shellcheck shell=bash
. "$HB_SRC/tests/lib/lib.sh"
pdir=$(mktemp -d "${HB_TEST_DIR:-/tmp}/po.XXXXXX")
trap 'rm -rf "$pdir"' EXIT

for tool in msgfmt xgettext msgcmp; do
    command -v "$tool" >/dev/null || { not_ok po_tools "$tool is missing (apt: gettext)"; exit 1; }
done

# Every file that marks a string is listed, so xgettext sees it.
listed=$(grep -v '^#' "$HB_SRC/po/POTFILES.in" | sort)
marking=$(cd "$HB_SRC" && grep -lE "\b(hb_tr|N_)\(" pam_haobtc/*.c pam_haobtc/*/*.c tools/*/*.c tests/mock/*.c | grep -v "^pam_haobtc/lib/lang.c$" | sort)
check every_file_that_marks_strings_is_in_potfiles \
    test -z "$(comm -13 <(printf '%s\n' "$listed") <(printf '%s\n' "$marking"))"

# The same extraction make update-po runs (po/Makevars' keywords).
keywords=$(sed -n '/^XGETTEXT_OPTIONS/,/[^\\]$/p' "$HB_SRC/po/Makevars" |
    sed 's/^XGETTEXT_OPTIONS = //; s/\\$//' | tr '\n' ' ')
# shellcheck disable=SC2086 # the options are words
(cd "$HB_SRC" && xgettext $keywords --language=C --package-name=pam_haobtc \
    -f po/POTFILES.in -o "$pdir/now.pot") 2>"$pdir/xgettext.err"
n=$(grep -c '^msgid "' "$pdir/now.pot" 2>/dev/null)
check "xgettext_finds_the_marked_strings ($n)" test "${n:-0}" -gt 50

for po in $(grep -v '^#' "$HB_SRC/po/LINGUAS"); do
    file=$HB_SRC/po/$po.po
    # --check: the header, and each c-format string's placeholders.
    stats=$(LC_ALL=C msgfmt --check --statistics -o "$pdir/$po.mo" "$file" 2>&1)
    echo "$po: $stats"
    check "${po}_po_passes_msgfmt_check" test -s "$pdir/$po.mo"
    check "${po}_has_no_fuzzy_or_untranslated_entry" \
        bash -c '[[ $1 =~ ^[0-9]+\ translated\ messages\.$ ]]' _ "$stats"
    check "${po}_has_every_string_of_the_sources" \
        msgcmp "$file" "$pdir/now.pot"
    # Nothing in the catalog the sources no longer have (obsolete #~
    # entries are dropped on update-po).
    check "${po}_has_no_string_the_sources_dropped" \
        bash -c '! grep -q "^#~" "$1" && [ "$(msgcomm --less-than=2 --unique "$1" "$2" | grep -c "^msgid \"")" -le 1 ]' _ "$file" "$pdir/now.pot"
done
finish
