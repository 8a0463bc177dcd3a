/* QR codes as plain text (libqrencode), small enough for a login prompt.
 *
 * Light modules are drawn as the character cells' ink: most terminals draw
 * light text on a dark background, so the code comes out the right way
 * round there without escape codes (which sshd's prompt cannot carry). */
#include "autoconf.h"

#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"

#define MARGIN 2

static bool is_dark(const QRcode *qr, int x, int y)
{
    x -= MARGIN;
    y -= MARGIN;
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return false;
    return qr->data[y * qr->width + x] & 1;
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

char *hb_qr_render(const char *text, enum hb_qr style, int *rows)
{
    *rows = 0;
    if (style == HB_QR_OFF)
        return NULL;
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (qr == NULL)
        return NULL;
    int side = qr->width + 2 * MARGIN;
    /* A UTF-8 half block is 3 bytes; an ASCII module is 2 characters. */
    struct text t = {NULL, 0, (size_t)side * (size_t)(side + 1) * 3 + 1};
    t.buf = malloc(t.cap);
    if (t.buf == NULL) {
        QRcode_free(qr);
        return NULL;
    }
    t.buf[0] = '\0';
    bool ok = true;
    if (style == HB_QR_UTF8) {
        for (int y = 0; y < side && ok; y += 2) {
            for (int x = 0; x < side && ok; x++) {
                bool top = !is_dark(qr, x, y);
                bool bottom = y + 1 < side && !is_dark(qr, x, y + 1);
                ok = put(&t, top && bottom ? "\xe2\x96\x88" /* █ */
                             : top         ? "\xe2\x96\x80" /* ▀ */
                             : bottom      ? "\xe2\x96\x84" /* ▄ */
                                           : " ");
            }
            ok = ok && put(&t, "\n");
            (*rows)++;
        }
    } else {
        for (int y = 0; y < side && ok; y++) {
            for (int x = 0; x < side && ok; x++)
                ok = put(&t, is_dark(qr, x, y) ? "  " : "##");
            ok = ok && put(&t, "\n");
            (*rows)++;
        }
    }
    QRcode_free(qr);
    if (!ok) {
        free(t.buf);
        *rows = 0;
        return NULL;
    }
    return t.buf;
}
