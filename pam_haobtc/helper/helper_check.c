/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's side of haobtc-login check: the configuration read as a
 * login reads it (the secret and the fleet key too), then the provider and
 * the relay tried, each finding sent back as a RESULT frame: in English,
 * then as finding.h's texts for haobtc-login to show in its language. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "finding.h"
#include "helper.h"
#include "http.h"
#include "probe.h"
#include "safefile.h"
#include "sandbox.h"
#include "wire.h"

/* The check's own work is a few requests; past this it has hung. */
#define CHECK_GRACE 10

static void send_result(void *arg, enum hb_verdict verdict, const char *topic,
                        const struct hb_finding_text *finding,
                        const struct hb_finding_text *fix)
{
    static const char *const words[] = {"ok", "warn", "FAIL"};
    static const struct hb_finding_text no_fix = {.msgid = ""};
    int fd = *(const int *)arg;
    struct hb_wire w;
    struct hb_error ignored;
    if (fix == NULL)
        fix = &no_fix;
    /* The English first: the four fields a RESULT always had, which are
     * all haobtc-login shows when the texts do not fit (long paths). */
    bool fits = false;
    for (int whole = 1; whole >= 0 && !fits; whole--) {
        hb_wire_init(&w, HB_WIRE_RESULT);
        fits = hb_wire_add(&w, words[verdict]) && hb_wire_add(&w, topic) &&
               hb_wire_add(&w, finding->english) &&
               hb_wire_add(&w, fix->english) &&
               (!whole ||
                (hb_finding_add(&w, finding) && hb_finding_add(&w, fix)));
    }
    if (fits)
        hb_wire_send(fd, &w, &ignored);
}

/* A finding that is data (the loader's or libcurl's words) and its fix. */
static void send_data(int fd, const char *topic, const char *data,
                      const struct hb_finding_text *fix)
{
    struct hb_finding_text finding;
    hb_finding_data(&finding, data);
    send_result(&fd, HB_VERDICT_FAIL, topic, &finding, fix);
}

/* Which of the files the loader read its complaint is about, so the line
 * names the right one and its fix. */
static void refused_files(int fd, const struct hb_config *cfg,
                          const struct hb_error *err)
{
    const char *topic = "config";
    const char *path = cfg->conf_path;
    if (cfg->client_secret_file != NULL &&
        strstr(err->msg, cfg->client_secret_file) != NULL) {
        topic = "secret";
        path = cfg->client_secret_file;
    } else if (cfg->fleet_key_file != NULL &&
               strstr(err->msg, cfg->fleet_key_file) != NULL) {
        topic = "fleet key";
        path = cfg->fleet_key_file;
    }
    struct hb_finding_text fix;
    hb_safe_file_fix(path, true, &fix);
    send_data(fd, topic, err->msg, &fix);
}

int hb_helper_serve_check(int fd, struct hb_wire *in)
{
    struct hb_error err = {0};
    struct hb_config cfg;
    struct hb_http http;
    struct hb_finding_text finding, fix;
    bool have_http = false;
    time_t deadline = 0;
    if (in->n_fields < 2 || strcmp(in->field[0], HB_WIRE_VERSION) != 0) {
        hb_finding_text(&finding, HB_FT_VERSIONS);
        hb_finding_text(&fix, HB_FT_FIX_VERSIONS);
        send_result(&fd, HB_VERDICT_FAIL, "helper", &finding, &fix);
        goto done;
    }
    if (!hb_helper_parse_deadline(in->field[1], &deadline)) {
        hb_finding_text(&finding, HB_FT_BAD_DEADLINE);
        hb_finding_text(&fix, HB_FT_FIX_BAD_DEADLINE);
        send_result(&fd, HB_VERDICT_FAIL, "helper", &finding, &fix);
        goto done;
    }
    alarm((unsigned)(deadline - time(NULL)) + CHECK_GRACE);
    enum hb_status status =
        hb_config_load(in->n_fields - 2, in->field + 2, &cfg, &err);
    if (status != HB_OK) {
        refused_files(fd, &cfg, &err);
        hb_config_free(&cfg);
        goto done;
    }
    hb_probe_files(&cfg, send_result, &fd);
    status = hb_http_open(&http, &cfg, deadline, &err);
    have_http = status == HB_OK;
    if (!have_http && cfg.ca_file != NULL && strstr(err.msg, cfg.ca_file)) {
        hb_finding_text(&fix, HB_FT_FIX_CA_FILE);
        send_data(fd, "ca_file", err.msg, &fix);
    } else if (!have_http) {
        hb_finding_text(&fix, HB_FT_FIX_LIBCURL);
        send_data(fd, "provider", err.msg, &fix);
    }
    /* As a login: the probes meet the network unprivileged. */
    if (have_http && hb_sandbox_enter(&err) != HB_OK) {
        hb_finding_text(&fix, HB_FT_FIX_HELPER_USER, HB_HELPER_USER);
        send_data(fd, "helper", err.msg, &fix);
        hb_http_close(&http);
        have_http = false;
    }
    if (have_http) {
        hb_probe_provider(&http, send_result, &fd);
        hb_probe_relay(&http, send_result, &fd);
        hb_http_close(&http);
    }
    hb_config_free(&cfg);
done:;
    struct hb_wire w;
    hb_wire_init(&w, HB_WIRE_CHECKED);
    return hb_wire_send(fd, &w, &err) == HB_OK ? 0 : 1;
}
