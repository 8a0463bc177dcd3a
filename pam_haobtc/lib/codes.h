/* SPDX-License-Identifier: BSD-2-Clause */
/* The haobtc return-code table. */
#ifndef HB_CODES_H
#define HB_CODES_H

struct hb_code_info {
    long code;
    const char *name;
    const char *english;
    const char *chinese;
};

/* NULL for a code outside the table. */
const struct hb_code_info *hb_code_lookup(long code);
/* "name (english / chinese)" or "unknown haobtc code" when not in the table. */
const char *hb_code_describe(long code, char *buf, unsigned len);

#endif
