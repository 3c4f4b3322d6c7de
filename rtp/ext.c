/* RTP header extensions, RFC 8285: the one-byte (section 4.2) and two-byte
 * (section 4.3) element forms, iteration, building, and in-place editing of
 * a packet's block. Typed values live in ext_values.c. */
#include "rtp/rtp_ext.h"

#include "rtp/bytes.h"

#include <string.h>

rtp_ext_form_t rtp_ext_form_of(uint16_t profile)
{
    if (profile == RTP_EXT_PROFILE_ONE_BYTE)
        return RTP_EXT_FORM_ONE_BYTE;
    if ((profile & 0xfff0) == RTP_EXT_PROFILE_TWO_BYTE)
        return RTP_EXT_FORM_TWO_BYTE;
    return RTP_EXT_FORM_NONE;
}

rtp_ext_form_t rtp_ext_form_for(unsigned id, size_t len)
{
    if (id >= 1 && id <= 14 && len >= 1 && len <= 16)
        return RTP_EXT_FORM_ONE_BYTE;
    if (id >= 1 && id <= 255 && len <= 255)
        return RTP_EXT_FORM_TWO_BYTE;
    return RTP_EXT_FORM_NONE;
}

rtp_err_t rtp_ext_iter_init(rtp_ext_iter_t *it, const rtp_header_t *h)
{
    it->pos = it->end = NULL;
    it->form = RTP_EXT_FORM_NONE;
    if (!h->extension)
        return RTP_ERR_NOT_FOUND;
    rtp_ext_form_t form = rtp_ext_form_of(h->ext_profile);
    if (form == RTP_EXT_FORM_NONE)
        return RTP_ERR_UNSUPPORTED;
    it->pos = h->ext;
    it->end = h->ext + h->ext_len;
    it->form = form;
    return RTP_OK;
}

static rtp_err_t ext__stop(rtp_ext_iter_t *it, rtp_err_t err)
{
    it->pos = it->end;
    return err;
}

rtp_err_t rtp_ext_next(rtp_ext_iter_t *it, rtp_ext_elem_t *elem)
{
    for (;;) {
        if (it->pos == NULL || it->pos >= it->end)
            return RTP_ERR_END;
        uint8_t first = *it->pos;
        if (first == 0) { /* padding, in either form */
            it->pos++;
            continue;
        }
        size_t left = (size_t)(it->end - it->pos);
        uint8_t id;
        size_t len;
        if (it->form == RTP_EXT_FORM_ONE_BYTE) {
            id = first >> 4;
            len = (size_t)(first & 0x0f) + 1;
            if (id == 15)
                return ext__stop(it, RTP_ERR_END);
            if (id == 0)
                return ext__stop(it, RTP_ERR_MALFORMED);
            left -= 1;
            it->pos += 1;
        } else {
            if (left < 2)
                return ext__stop(it, RTP_ERR_TRUNCATED);
            id = first;
            len = it->pos[1];
            left -= 2;
            it->pos += 2;
        }
        if (len > left)
            return ext__stop(it, RTP_ERR_TRUNCATED);
        elem->id = id;
        elem->len = (uint8_t)len;
        elem->value = it->pos;
        it->pos += len;
        return RTP_OK;
    }
}

rtp_err_t rtp_ext_find(const rtp_header_t *h, uint8_t id, rtp_ext_elem_t *elem)
{
    rtp_ext_iter_t it;
    rtp_err_t err = rtp_ext_iter_init(&it, h);
    if (err != RTP_OK)
        return err;
    rtp_ext_elem_t e;
    while ((err = rtp_ext_next(&it, &e)) == RTP_OK) {
        if (e.id == id) {
            *elem = e;
            return RTP_OK;
        }
    }
    return err == RTP_ERR_END ? RTP_ERR_NOT_FOUND : err;
}

void rtp_ext_writer_init(rtp_ext_writer_t *w, rtp_ext_form_t form, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->form = form;
    w->err = form == RTP_EXT_FORM_NONE ? RTP_ERR_INVALID_ARG : RTP_OK;
}

rtp_err_t rtp_ext_writer_add(rtp_ext_writer_t *w, uint8_t id, const uint8_t *value, size_t len)
{
    if (w->err != RTP_OK)
        return w->err;
    rtp_ext_form_t needed = rtp_ext_form_for(id, len);
    if (needed == RTP_EXT_FORM_NONE || needed > w->form || (len > 0 && value == NULL))
        return w->err = RTP_ERR_INVALID_ARG;
    size_t head = w->form == RTP_EXT_FORM_ONE_BYTE ? 1 : 2;
    if (w->cap - w->len < head + len)
        return w->err = RTP_ERR_NO_SPACE;
    uint8_t *p = w->buf + w->len;
    if (w->form == RTP_EXT_FORM_ONE_BYTE) {
        p[0] = (uint8_t)((unsigned)id << 4 | (unsigned)(len - 1));
    } else {
        p[0] = id;
        p[1] = (uint8_t)len;
    }
    if (len > 0)
        memmove(p + head, value, len);
    w->len += head + len;
    return RTP_OK;
}

rtp_err_t rtp_ext_writer_finish(rtp_ext_writer_t *w, uint16_t *profile, size_t *block_len)
{
    if (w->err != RTP_OK)
        return w->err;
    size_t padded = (w->len + 3) & ~(size_t)3;
    if (padded > w->cap)
        return w->err = RTP_ERR_NO_SPACE;
    memset(w->buf + w->len, 0, padded - w->len);
    w->len = padded;
    *profile =
        w->form == RTP_EXT_FORM_ONE_BYTE ? RTP_EXT_PROFILE_ONE_BYTE : RTP_EXT_PROFILE_TWO_BYTE;
    *block_len = padded;
    return RTP_OK;
}

/* One edit applied while rebuilding a block: `map` renumbers (0 drops);
 * otherwise elements with `id` are dropped and, when `value` is set,
 * replaced by one element carrying it. */
typedef struct ext__edit {
    const uint8_t *map;
    uint8_t id;
    const uint8_t *value; /* NULL: remove */
    size_t value_len;
    unsigned matched;
} ext__edit_t;

static uint8_t ext__new_id(ext__edit_t *ed, uint8_t id)
{
    if (ed->map)
        return ed->map[id];
    if (id == ed->id) {
        ed->matched++;
        return 0;
    }
    return id;
}

/* Walks the packet's elements, handing each surviving one (with its new ID)
 * to `w`, or, when w is NULL, only widening *form to what they need. */
static rtp_err_t ext__walk(const rtp_header_t *h, ext__edit_t *ed, rtp_ext_form_t *form,
                           rtp_ext_writer_t *w)
{
    rtp_ext_iter_t it;
    rtp_err_t err = rtp_ext_iter_init(&it, h);
    if (err == RTP_ERR_NOT_FOUND)
        err = RTP_OK; /* no block: nothing to walk, and rtp_ext_next() ends at once */
    if (err != RTP_OK)
        return err;
    rtp_ext_elem_t e;
    while ((err = rtp_ext_next(&it, &e)) == RTP_OK) {
        uint8_t id = ext__new_id(ed, e.id);
        if (id == 0)
            continue;
        if (w) {
            rtp_ext_writer_add(w, id, e.value, e.len);
        } else {
            rtp_ext_form_t need = rtp_ext_form_for(id, e.len);
            if (need > *form)
                *form = need;
        }
    }
    if (err != RTP_ERR_END)
        return err;
    if (ed->value && ed->map == NULL) {
        if (w) {
            rtp_ext_writer_add(w, ed->id, ed->value, ed->value_len);
        } else {
            rtp_ext_form_t need = rtp_ext_form_for(ed->id, ed->value_len);
            if (need > *form)
                *form = need;
        }
    }
    return w ? w->err : RTP_OK;
}

static rtp_err_t ext__edit_packet(uint8_t *pkt, size_t *len, size_t cap, ext__edit_t *ed)
{
    rtp_header_t h;
    rtp_err_t err = rtp_parse(pkt, *len, &h);
    if (err != RTP_OK)
        return err;

    rtp_ext_form_t form = RTP_EXT_FORM_NONE;
    err = ext__walk(&h, ed, &form, NULL);
    if (err != RTP_OK)
        return err;
    if (ed->map == NULL && ed->value == NULL && ed->matched == 0)
        return RTP_ERR_NOT_FOUND;

    uint8_t block[RTP_EXT_EDIT_MAX];
    if (form == RTP_EXT_FORM_NONE) {
        h.extension = false;
        h.ext = NULL;
        h.ext_len = 0;
    } else {
        rtp_ext_writer_t w;
        rtp_ext_writer_init(&w, form, block, sizeof block);
        ed->matched = 0;
        err = ext__walk(&h, ed, &form, &w);
        uint16_t profile = 0;
        size_t block_len = 0;
        if (err == RTP_OK)
            err = rtp_ext_writer_finish(&w, &profile, &block_len);
        if (err == RTP_ERR_NO_SPACE)
            return RTP_ERR_UNSUPPORTED; /* over RTP_EXT_EDIT_MAX */
        if (err != RTP_OK)
            return err;
        /* Keep a two-byte block's "appbits" when it stays two-byte. */
        if (form == RTP_EXT_FORM_TWO_BYTE && h.extension &&
            rtp_ext_form_of(h.ext_profile) == RTP_EXT_FORM_TWO_BYTE)
            profile = h.ext_profile;
        h.extension = true;
        h.ext_profile = profile;
        h.ext = block;
        h.ext_len = block_len;
    }
    return rtp_write(&h, h.payload, h.payload_len, h.padding_len, pkt, cap, len);
}

rtp_err_t rtp_ext_set(uint8_t *pkt, size_t *len, size_t cap, uint8_t id, const uint8_t *value,
                      size_t value_len)
{
    if (id == 0 || value_len > 255 || (value_len > 0 && value == NULL))
        return RTP_ERR_INVALID_ARG;
    static const uint8_t empty[1] = { 0 };
    ext__edit_t ed = { .id = id, .value = value ? value : empty, .value_len = value_len };
    return ext__edit_packet(pkt, len, cap, &ed);
}

rtp_err_t rtp_ext_remove(uint8_t *pkt, size_t *len, size_t cap, uint8_t id)
{
    if (id == 0)
        return RTP_ERR_INVALID_ARG;
    ext__edit_t ed = { .id = id };
    return ext__edit_packet(pkt, len, cap, &ed);
}

rtp_err_t rtp_ext_remap(uint8_t *pkt, size_t *len, size_t cap, const uint8_t map[256])
{
    ext__edit_t ed = { .map = map };
    return ext__edit_packet(pkt, len, cap, &ed);
}
