# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# The opening of every end-to-end test (tests/e2e/*.sh), sourced first:
#   . "$(dirname "$0")/../lib/e2e-prelude.sh"
# It finds the two trees (from run-tests, which exports them, or for a test
# started by hand from the build tree: top_builddir, else the current
# directory) and loads the shared shell code. The test enters its private
# namespaces itself (e2e_enter "$0" "$@"), after what it checks first.
HB_SRC=${HB_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HB_BUILD=${HB_BUILD:-$(cd "${top_builddir:-.}" && pwd)}
. "$HB_SRC/tests/lib/lib.sh"
. "$HB_SRC/tests/lib/e2e-lib.sh"
