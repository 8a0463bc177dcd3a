/* A QR code drawn with text, to sit inside a PAM prompt. */
#ifndef HB_QR_H
#define HB_QR_H

#include "config.h"

/* Newline-terminated rows; NULL for HB_QR_OFF or on failure. rows gets the
 * line count. Dark modules are drawn as the terminal's foreground. */
char *hb_qr_render(const char *text, enum hb_qr style, int *rows);

#endif
