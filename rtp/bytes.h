/* Private to rtp/: big-endian field access and a bounds-checked read cursor.
 *
 * Every parser in rtp/ reads through these helpers. The cursor never moves
 * past its end; a read that does not fit sets `bad` and returns zero, so a
 * parser can read a run of fields and check `bad` once. */
#ifndef BLINDFOLD_RTP_BYTES_H
#define BLINDFOLD_RTP_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t rtp__rd16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t rtp__rd24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t rtp__rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void rtp__wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void rtp__wr24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static inline void rtp__wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A read cursor over [pos, end). */
typedef struct rtp__cursor {
    const uint8_t *pos;
    const uint8_t *end;
    bool bad; /* set by the first read that did not fit; sticky */
} rtp__cursor_t;

static inline rtp__cursor_t rtp__cursor(const uint8_t *p, size_t len)
{
    rtp__cursor_t c = { p, p + len, false };
    return c;
}

static inline size_t rtp__left(const rtp__cursor_t *c)
{
    return (size_t)(c->end - c->pos);
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets bad). */
static inline const uint8_t *rtp__take(rtp__cursor_t *c, size_t n)
{
    if (c->bad || rtp__left(c) < n) {
        c->bad = true;
        return NULL;
    }
    const uint8_t *p = c->pos;
    c->pos += n;
    return p;
}

static inline uint8_t rtp__get8(rtp__cursor_t *c)
{
    const uint8_t *p = rtp__take(c, 1);
    return p ? p[0] : 0;
}

static inline uint16_t rtp__get16(rtp__cursor_t *c)
{
    const uint8_t *p = rtp__take(c, 2);
    return p ? rtp__rd16(p) : 0;
}

static inline uint32_t rtp__get24(rtp__cursor_t *c)
{
    const uint8_t *p = rtp__take(c, 3);
    return p ? rtp__rd24(p) : 0;
}

static inline uint32_t rtp__get32(rtp__cursor_t *c)
{
    const uint8_t *p = rtp__take(c, 4);
    return p ? rtp__rd32(p) : 0;
}

/* A write cursor over [pos, end); same sticky-failure rule as the reader. */
typedef struct rtp__writer {
    uint8_t *pos;
    uint8_t *end;
    bool bad;
} rtp__writer_t;

static inline rtp__writer_t rtp__writer(uint8_t *p, size_t cap)
{
    rtp__writer_t w = { p, p + cap, false };
    return w;
}

static inline uint8_t *rtp__reserve(rtp__writer_t *w, size_t n)
{
    if (w->bad || (size_t)(w->end - w->pos) < n) {
        w->bad = true;
        return NULL;
    }
    uint8_t *p = w->pos;
    w->pos += n;
    return p;
}

static inline void rtp__put8(rtp__writer_t *w, uint8_t v)
{
    uint8_t *p = rtp__reserve(w, 1);
    if (p)
        p[0] = v;
}

static inline void rtp__put16(rtp__writer_t *w, uint16_t v)
{
    uint8_t *p = rtp__reserve(w, 2);
    if (p)
        rtp__wr16(p, v);
}

static inline void rtp__put24(rtp__writer_t *w, uint32_t v)
{
    uint8_t *p = rtp__reserve(w, 3);
    if (p)
        rtp__wr24(p, v);
}

static inline void rtp__put32(rtp__writer_t *w, uint32_t v)
{
    uint8_t *p = rtp__reserve(w, 4);
    if (p)
        rtp__wr32(p, v);
}

#endif
