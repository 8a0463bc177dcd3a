/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's side of a break-glass attempt: whether haobtc still cannot
 * be reached over the network, found afresh, as a login would find it.
 * A break-glass code counts only while it cannot. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "helper.h"
#include "http.h"
#include "sandbox.h"
#include "wire.h"

/* One request's worth past the deadline, then it has hung. */
#define REACH_GRACE 5

/* The token endpoint, asked with no code and no secret: any answer of
 * haobtc's (an error code included) shows it can be reached. */
static enum hb_status ask_haobtc(struct hb_http *http, bool *reachable,
                                 struct hb_error *err)
{
    struct hb_response resp;
    enum hb_status status =
        hb_http_post_form(http, http->cfg->token_url,
                          "grant_type=authorization_code", 0, &resp, err);
    if (status == HB_ERR_UNAVAIL) {
        *reachable = false;
        return HB_OK;
    }
    if (status != HB_OK)
        return status;
    *reachable = resp.status < 500 || resp.status > 599;
    if (!*reachable)
        hb_fail(err, HB_ERR_UNAVAIL, "haobtc answered HTTP %ld", resp.status);
    hb_response_free(&resp);
    return HB_OK;
}

int hb_helper_serve_reach(int fd, struct hb_wire *in)
{
    struct hb_error err = {0};
    struct hb_config cfg;
    bool have_cfg = false, have_http = false, reachable = true;
    struct hb_http http;
    time_t deadline = 0;
    enum hb_status status = HB_OK;
    if (in->n_fields < 2 || strcmp(in->field[0], HB_WIRE_VERSION) != 0)
        status = hb_fail(&err, HB_ERR_CONFIG,
                         "pam_haobtc.so and haobtc-helper are from different "
                         "versions; reinstall both");
    if (status == HB_OK && !hb_helper_parse_deadline(in->field[1], &deadline))
        status = hb_fail(&err, HB_ERR_HELPER, "the module sent a bad deadline");
    if (status == HB_OK) {
        alarm((unsigned)(deadline - time(NULL)) + REACH_GRACE);
        status = hb_config_load_without_secret((int)in->n_fields - 2,
                                               in->field + 2, &cfg, &err);
        have_cfg = true;
    }
    if (status == HB_OK) {
        status = hb_http_open(&http, &cfg, deadline, &err);
        have_http = status == HB_OK;
    }
    if (status == HB_OK)
        status = hb_sandbox_enter(&err);
    if (status == HB_OK)
        status = ask_haobtc(&http, &reachable, &err);
    struct hb_wire out;
    if (status == HB_OK) {
        hb_wire_init(&out, HB_WIRE_REACH);
        hb_wire_add(&out, reachable ? "reachable" : "unreachable");
        hb_wire_add(&out, reachable ? "" : err.msg);
    } else {
        char st[16];
        snprintf(st, sizeof(st), "%d", (int)status);
        hb_wire_init(&out, HB_WIRE_ERROR);
        hb_wire_add(&out, st);
        hb_wire_add(&out, "0");
        hb_wire_add(&out, err.msg);
    }
    struct hb_error ignored;
    enum hb_status sent = hb_wire_send(fd, &out, &ignored);
    if (have_http)
        hb_http_close(&http);
    if (have_cfg)
        hb_config_free(&cfg);
    return status == HB_OK && sent == HB_OK ? 0 : 1;
}
