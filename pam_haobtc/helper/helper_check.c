/* The helper's side of haobtc-login check: the configuration read as a
 * login reads it (the secret and the fleet key too), then the provider and
 * the relay tried, each finding sent back as a RESULT frame. */
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
#include "probe.h"
#include "safefile.h"
#include "sandbox.h"
#include "wire.h"

/* The check's own work is a few requests; past this it has hung. */
#define CHECK_GRACE 10

static void send_result(void *arg, enum hb_verdict verdict, const char *topic,
                        const char *finding, const char *fix)
{
    static const char *const words[] = {"ok", "warn", "FAIL"};
    int fd = *(const int *)arg;
    struct hb_wire w;
    struct hb_error ignored;
    hb_wire_init(&w, HB_WIRE_RESULT);
    /* A finding too long for a frame is cut rather than lost. */
    if (hb_wire_add(&w, words[verdict]) && hb_wire_add(&w, topic) &&
        hb_wire_add(&w, finding) && hb_wire_add(&w, fix != NULL ? fix : ""))
        hb_wire_send(fd, &w, &ignored);
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
    char fix[512];
    hb_safe_file_fix(path, true, fix, sizeof(fix));
    send_result(&fd, HB_VERDICT_FAIL, topic, err->msg, fix);
}

int hb_helper_serve_check(int fd, struct hb_wire *in)
{
    struct hb_error err = {0};
    struct hb_config cfg;
    struct hb_http http;
    bool have_http = false;
    time_t deadline = 0;
    if (in->n_fields < 2 || strcmp(in->field[0], HB_WIRE_VERSION) != 0) {
        send_result(&fd, HB_VERDICT_FAIL, "helper",
                    "haobtc-login and haobtc-helper are from different "
                    "versions",
                    "reinstall the package (or make install) so both match");
        goto done;
    }
    if (!hb_helper_parse_deadline(in->field[1], &deadline)) {
        send_result(&fd, HB_VERDICT_FAIL, "helper",
                    "haobtc-login sent a bad deadline", "check the clock");
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
    if (!have_http && cfg.ca_file != NULL && strstr(err.msg, cfg.ca_file))
        send_result(&fd, HB_VERDICT_FAIL, "ca_file", err.msg,
                    "make ca_file a readable PEM file of the CA, or remove "
                    "it to use the system's");
    else if (!have_http)
        send_result(&fd, HB_VERDICT_FAIL, "provider", err.msg,
                    "reinstall libcurl");
    /* As a login: the probes meet the network unprivileged. */
    if (have_http && hb_sandbox_enter(&err) != HB_OK) {
        send_result(&fd, HB_VERDICT_FAIL, "helper", err.msg,
                    "create the system user " HB_HELPER_USER
                    " (the package does; README, \"Build and install\", says "
                    "how by hand)");
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
