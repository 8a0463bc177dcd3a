/* Where this program finds its helper: compiled in (HB_HELPER_PATH), so no
 * environment variable or argument can choose what runs as root. */
#include "autoconf.h"

#include "helper_client.h"

const char *hb_helper_path(void)
{
    return HB_HELPER_PATH;
}
