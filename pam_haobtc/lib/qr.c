/* SPDX-License-Identifier: BSD-2-Clause */
/* QR codes as plain text (libqrencode), small enough for a login prompt.
 *
 * A character cell is one module wide and two tall. Text cannot choose its
 * colours (sshd's prompt cannot carry escape codes), and a code drawn in a
 * terminal's ink reads the wrong way round on the other theme: a drawing
 * whose light modules are the ink reads right on a dark background, one
 * whose dark modules are the ink on a light background. Unless told which,
 * both are drawn side by side and each theme shows one right way round;
 * scanners read that one (and, where they try inverted codes, both, which
 * carry the same text). */
#include "autoconf.h"

#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "prompt.h"
#include "qr.h"

#define MARGIN 2 /* modules of quiet zone drawn around each copy */
/* The blank columns between the two copies. */
static const char gap[] = "    ";
#define GAP ((int)sizeof(gap) - 1)

static bool is_dark(const QRcode *qr, int x, int y)
{
    x -= MARGIN;
    y -= MARGIN;
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return false;
    return qr->data[y * qr->width + x] & 1;
}

/* Whether module (x, y) of the copy drawn for that background is inked:
 * for a dark background the light modules and the quiet zone (so the code
 * has a light border whatever surrounds it), for a light one the dark
 * modules, the quiet zone being the background itself. */
static bool inked(const QRcode *qr, bool for_dark, int x, int y)
{
    int side = qr->width + 2 * MARGIN;
    if (y >= side)
        return false;
    return for_dark ? !is_dark(qr, x, y) : is_dark(qr, x, y);
}

struct text {
    char *buf;
    size_t len, cap;
};

static bool put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap)
        return false;
    memcpy(t->buf + t->len, s, n + 1);
    t->len += n;
    return true;
}

/* One cell: both halves inked, the upper, the lower, neither. The ASCII
 * glyphs are the nearest to half blocks that ASCII has. */
static const char *const utf8_cells[4] = {"\xe2\x96\x88" /* █ */,
                                          "\xe2\x96\x80" /* ▀ */,
                                          "\xe2\x96\x84" /* ▄ */, " "};
static const char *const ascii_cells[4] = {"#", "\"", ".", " "};

static bool put_row(struct text *t, const QRcode *qr, bool for_dark, int y,
                    const char *const cells[4])
{
    int side = qr->width + 2 * MARGIN;
    bool ok = true;
    for (int x = 0; x < side && ok; x++) {
        bool top = inked(qr, for_dark, x, y);
        bool bottom = inked(qr, for_dark, x, y + 1);
        ok = put(t, top && bottom ? cells[0]
                    : top         ? cells[1]
                    : bottom      ? cells[2]
                                  : cells[3]);
    }
    return ok;
}

char *hb_qr_render(const char *text, enum hb_qr style,
                   enum hb_qr_background background, int *rows)
{
    *rows = 0;
    if (style == HB_QR_OFF)
        return NULL;
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (qr == NULL)
        return NULL;
    int side = qr->width + 2 * MARGIN;
    bool dark = background != HB_QR_BG_LIGHT;
    bool light = background != HB_QR_BG_DARK;
    /* Both copies only where they fit the terminal's width; otherwise (a
     * long link) the one for dark backgrounds, as most terminals are. */
    if (dark && light && 2 * side + GAP > HB_COLUMNS)
        light = false;
    const char *const *cells = style == HB_QR_UTF8 ? utf8_cells : ascii_cells;
    /* A cell is at most 3 bytes (UTF-8), a row two copies, a gap and \n. */
    size_t per_row = (size_t)(2 * side) * 3 + GAP + 1;
    struct text t = {NULL, 0, (size_t)(side / 2 + 1) * per_row + 1};
    t.buf = malloc(t.cap);
    if (t.buf == NULL) {
        QRcode_free(qr);
        return NULL;
    }
    t.buf[0] = '\0';
    bool ok = true;
    for (int y = 0; y < side && ok; y += 2) {
        if (dark)
            ok = put_row(&t, qr, true, y, cells);
        if (dark && light)
            ok = ok && put(&t, gap);
        if (light)
            ok = ok && put_row(&t, qr, false, y, cells);
        ok = ok && put(&t, "\n");
        (*rows)++;
    }
    QRcode_free(qr);
    if (!ok) {
        free(t.buf);
        *rows = 0;
        return NULL;
    }
    return t.buf;
}
