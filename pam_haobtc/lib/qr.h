/* SPDX-License-Identifier: BSD-2-Clause */
/* A QR code drawn with text, to sit inside a PAM prompt. */
#ifndef HB_QR_H
#define HB_QR_H

#include "config.h"

/* Newline-terminated rows; NULL for HB_QR_OFF or on failure. rows gets the
 * line count. The code is drawn to read right on a terminal of the given
 * background; HB_QR_BG_ANY draws both side by side where they fit 80
 * columns, else the one for a dark background. */
char *hb_qr_render(const char *text, enum hb_qr style,
                   enum hb_qr_background background, int *rows);

#endif
