/* SPDX-License-Identifier: BSD-2-Clause */
/* Where this program finds its helper and its message catalogs: compiled
 * in (HB_HELPER_PATH, HB_LOCALEDIR), so no environment variable or
 * argument can choose what runs or is read as root. */
#include "autoconf.h"

#include "helper_client.h"
#include "lang.h"

const char *hb_helper_path(void)
{
    return HB_HELPER_PATH;
}

const char *hb_catalog_dir(void)
{
    return HB_LOCALEDIR;
}
