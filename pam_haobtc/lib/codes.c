/* SPDX-License-Identifier: BSD-2-Clause */
/* The haobtc return codes, with the names and texts both clients show. */
#include "autoconf.h"

#include <stdio.h>

#include "codes.h"

static const struct hb_code_info codes[] = {
    {0, "success", "success", "请求成功"},
    {40001, "missing_parameter", "missing parameter", "缺少参数"},
    {40002, "invalid_client_id", "invalid client_id", "非法client_id"},
    {40003, "unregistered_address", "request address not registered",
     "请求地址未注册"},
    {40004, "invalid_grant_type", "wrong grant_type", "错误的 grant_type"},
    {40005, "invalid_response_type", "wrong response_type",
     "错误的 response_type"},
    {40006, "redirect_uri_mismatch", "redirect_uri mismatch",
     "redirect_uri不匹配"},
    {40007, "client_secret_mismatch", "client_secret mismatch",
     "client_secret不匹配"},
    {40008, "invalid_access_token", "access_token missing or expired",
     "access_token 不存在或者已过期"},
    {40009, "invalid_authorization_code",
     "authorization_code missing or expired",
     "authorization_code 不存在或已过期"},
    {40010, "invalid_refresh_token", "refresh_token missing or expired",
     "refresh_token 不存在或已过期"},
    {40011, "invalid_user", "user missing or deleted",
     "用户不存在或者已被删除"},
    {40012, "invalid_credential", "not authorized", "未授权"},
    {40013, "invalid_request_scheme", "invalid request scheme",
     "错误的请求协议"},
    {40014, "invalid_request_method", "invalid request method",
     "错误的请求方法"},
    {40015, "application_blocked", "oauth application blocked", "oauth 被禁用"},
};

const struct hb_code_info *hb_code_lookup(long code)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (codes[i].code == code)
            return &codes[i];
    }
    return NULL;
}

const char *hb_code_describe(long code, char *buf, unsigned len)
{
    const struct hb_code_info *info = hb_code_lookup(code);
    if (info == NULL)
        snprintf(buf, len, "unknown haobtc code %ld", code);
    else
        snprintf(buf, len, "%ld %s: %s (%s)", code, info->name, info->english,
                 info->chinese);
    return buf;
}
