/* SPDX-License-Identifier: BSD-2-Clause */
/* What haobtc-relay's main sets up and its request handling (request.c)
 * shares: the server, its listeners, and libmicrohttpd's callbacks. */
#ifndef HB_RELAY_SERVER_H
#define HB_RELAY_SERVER_H

#include "relay.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

struct server {
    struct relay_options opt;
    struct relay relay;
    atomic_int in_flight; /* requests begun and not yet completed */
    /* Above this many connections, phones' page views and Continues wait
     * (503): what is left is kept for module polls and callbacks. */
    size_t pages_until;
};

/* What a listening port serves: the public port everything, the module
 * port (--module-port) modules' requests and /health only. */
struct listener {
    struct server *sv;
    bool modules_only;
};

/* libmicrohttpd's access handler and completion callback; cls is the
 * struct listener of the port. */
enum MHD_Result relay_handle(void *cls, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, const char *upload,
                             size_t *upload_size, void **con_cls);
void relay_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode toe);
/* The phones' budget (struct relay's phone_spend). */
bool relay_phone_spend(const struct relay *r, struct MHD_Connection *c,
                       long *retry_after);

#endif
