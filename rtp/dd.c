/* The AV1 dependency descriptor RTP header extension: parser, writer and the
 * in-place frame_number rewrite.
 *
 * Implements the AV1 RTP specification (aomediacodec av1-rtp-spec),
 * Appendix A, "Dependency Descriptor RTP Header Extension": the syntax of
 * section A.8.2 (mandatory_descriptor_fields, extended_descriptor_fields,
 * template_dependency_structure, frame_dependency_definition, ns(n)) and the
 * semantics of A.8.3. The descriptor is a bit stream read from the high bit
 * of each byte down; a small bit reader and writer below keep the same
 * sticky-failure rule as the byte cursor in rtp/bytes.h: a read past the end
 * sets `bad` and yields zero, and the parser checks `bad` at its exits.
 *
 * The writer runs the same emitter twice: once counting bits, to size the
 * output and report RTP_ERR_NO_SPACE before touching the buffer, then for
 * real into a zeroed buffer, so padding bits are zero. */
#include "rtp/rtp_dd.h"

#include "rtp/bytes.h"

#include <string.h>

/* ---- bit reader ---------------------------------------------------------- */

typedef struct dd_reader {
    const uint8_t *buf;
    size_t len_bits;
    size_t pos; /* next bit */
    bool bad;   /* a read did not fit; sticky */
} dd_reader_t;

/* f(n), n <= 32: an unsigned n-bit number, most significant bit first. */
static uint32_t read_bits(dd_reader_t *r, unsigned n)
{
    if (r->bad || n > r->len_bits - r->pos) {
        r->bad = true;
        return 0;
    }
    uint32_t value = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t bit = r->pos + i;
        unsigned byte = r->buf[bit >> 3];
        unsigned shift = 7u - (unsigned)(bit & 7);
        value = value << 1 | ((byte >> shift) & 1u);
    }
    r->pos += n;
    return value;
}

static bool read_flag(dd_reader_t *r)
{
    return read_bits(r, 1) != 0;
}

/* Bits needed to hold n (the `w` of ns(n)). */
static unsigned bit_width(uint32_t n)
{
    unsigned w = 0;
    while (n != 0) {
        n >>= 1;
        w++;
    }
    return w;
}

/* ns(n), 1 <= n <= 33 here: a value in 0..n-1 coded in w-1 or w bits. */
static uint32_t read_ns(dd_reader_t *r, uint32_t n)
{
    unsigned w = bit_width(n);
    uint32_t m = (1u << w) - n;
    uint32_t v = read_bits(r, w - 1);
    if (v < m)
        return v;
    uint32_t extra_bit = read_bits(r, 1);
    return (v << 1) - m + extra_bit;
}

/* ---- bit writer ---------------------------------------------------------- */

typedef struct dd_writer {
    uint8_t *buf; /* NULL: only count */
    size_t pos;   /* bits emitted so far */
} dd_writer_t;

/* write_f(n, v), n <= 32. The caller has sized and zeroed buf. */
static void write_bits(dd_writer_t *w, uint32_t value, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (w->buf && ((value >> (n - 1 - i)) & 1u)) {
            size_t bit = w->pos + i;
            w->buf[bit >> 3] = (uint8_t)(w->buf[bit >> 3] | (0x80u >> (bit & 7)));
        }
    }
    w->pos += n;
}

/* write_ns(n, v), v < n. */
static void write_ns(dd_writer_t *w, uint32_t n, uint32_t v)
{
    if (n == 1)
        return;
    unsigned width = bit_width(n);
    uint32_t m = (1u << width) - n;
    if (v < m)
        write_bits(w, v, width - 1);
    else
        write_bits(w, v + m, width);
}

/* ---- structure ----------------------------------------------------------- */

enum {
    NEXT_LAYER_SAME = 0,
    NEXT_LAYER_TEMPORAL = 1,
    NEXT_LAYER_SPATIAL = 2,
    NEXT_LAYER_NONE = 3,
};

/* template_layers(). Rejects more templates than the 6-bit template id can
 * address, and layer ids AV1 cannot express, as soon as they appear, so a
 * hostile run of next_layer_idc values stops after at most 64 rounds. */
static rtp_err_t read_template_layers(dd_reader_t *r, rtp_dd_structure_t *s)
{
    unsigned spatial_id = 0, temporal_id = 0, count = 0;
    uint32_t next_layer_idc;
    do {
        if (count == RTP_DD_MAX_TEMPLATES)
            return RTP_ERR_MALFORMED;
        s->templates[count].spatial_id = (uint8_t)spatial_id;
        s->templates[count].temporal_id = (uint8_t)temporal_id;
        count++;
        next_layer_idc = read_bits(r, 2);
        if (next_layer_idc == NEXT_LAYER_TEMPORAL) {
            if (++temporal_id >= RTP_DD_MAX_TEMPORAL_LAYERS)
                return RTP_ERR_MALFORMED;
        } else if (next_layer_idc == NEXT_LAYER_SPATIAL) {
            temporal_id = 0;
            if (++spatial_id >= RTP_DD_MAX_SPATIAL_LAYERS)
                return RTP_ERR_MALFORMED;
        }
    } while (next_layer_idc != NEXT_LAYER_NONE && !r->bad);
    s->template_count = (uint8_t)count;
    return r->bad ? RTP_ERR_TRUNCATED : RTP_OK;
}

/* template_fdiffs(). */
static rtp_err_t read_template_fdiffs(dd_reader_t *r, rtp_dd_structure_t *s)
{
    for (unsigned t = 0; t < s->template_count; t++) {
        rtp_dd_template_t *tpl = &s->templates[t];
        while (read_flag(r)) { /* fdiff_follows_flag */
            if (tpl->fdiff_count == RTP_DD_MAX_FDIFFS)
                return RTP_ERR_UNSUPPORTED;
            tpl->fdiffs[tpl->fdiff_count++] = (uint8_t)(read_bits(r, 4) + 1);
        }
        if (r->bad)
            return RTP_ERR_TRUNCATED;
    }
    return RTP_OK;
}

/* template_chains(). ns() keeps chain_cnt <= DtCnt and each
 * decode_target_protected_by < chain_cnt, so no value can be out of range. */
static void read_template_chains(dd_reader_t *r, rtp_dd_structure_t *s)
{
    s->chain_count = (uint8_t)read_ns(r, s->dt_count + 1u);
    if (s->chain_count == 0)
        return;
    for (unsigned dt = 0; dt < s->dt_count; dt++)
        s->decode_target_protected_by[dt] = (uint8_t)read_ns(r, s->chain_count);
    for (unsigned t = 0; t < s->template_count; t++)
        for (unsigned c = 0; c < s->chain_count; c++)
            s->templates[t].chain_fdiffs[c] = (uint8_t)read_bits(r, 4);
}

static unsigned max_spatial_id(const rtp_dd_structure_t *s)
{
    /* Templates are ordered by spatial id (next_layer_idc only increases it). */
    return s->templates[s->template_count - 1].spatial_id;
}

/* template_dependency_structure(). */
static rtp_err_t read_structure(dd_reader_t *r, rtp_dd_structure_t *s)
{
    memset(s, 0, sizeof *s);
    s->template_id_offset = (uint8_t)read_bits(r, 6);
    s->dt_count = (uint8_t)(read_bits(r, 5) + 1);
    rtp_err_t err = read_template_layers(r, s);
    if (err != RTP_OK)
        return err;
    for (unsigned t = 0; t < s->template_count; t++)
        for (unsigned dt = 0; dt < s->dt_count; dt++)
            s->templates[t].dtis[dt] = (uint8_t)read_bits(r, 2);
    err = read_template_fdiffs(r, s);
    if (err != RTP_OK)
        return err;
    read_template_chains(r, s);
    s->has_resolutions = read_flag(r);
    if (s->has_resolutions) {
        for (unsigned sid = 0; sid <= max_spatial_id(s); sid++) {
            s->render_width[sid] = read_bits(r, 16) + 1;
            s->render_height[sid] = read_bits(r, 16) + 1;
        }
    }
    return r->bad ? RTP_ERR_TRUNCATED : RTP_OK;
}

/* The O(1) checks a caller-supplied structure must pass before parse or
 * write index arrays with its counts. */
static bool structure_counts_ok(const rtp_dd_structure_t *s)
{
    return s->template_id_offset < RTP_DD_MAX_TEMPLATES && s->dt_count >= 1 &&
           s->dt_count <= RTP_DD_MAX_DECODE_TARGETS && s->chain_count <= s->dt_count &&
           s->template_count >= 1 && s->template_count <= RTP_DD_MAX_TEMPLATES;
}

/* The checks on one template that parse and write rely on. */
static bool template_ok(const rtp_dd_structure_t *s, const rtp_dd_template_t *tpl)
{
    if (tpl->spatial_id >= RTP_DD_MAX_SPATIAL_LAYERS ||
        tpl->temporal_id >= RTP_DD_MAX_TEMPORAL_LAYERS || tpl->fdiff_count > RTP_DD_MAX_FDIFFS)
        return false;
    for (unsigned i = 0; i < tpl->fdiff_count; i++)
        if (tpl->fdiffs[i] < 1 || tpl->fdiffs[i] > RTP_DD_MAX_TEMPLATE_FDIFF)
            return false;
    for (unsigned dt = 0; dt < s->dt_count; dt++)
        if (tpl->dtis[dt] > RTP_DD_DTI_REQUIRED)
            return false;
    for (unsigned c = 0; c < s->chain_count; c++)
        if (tpl->chain_fdiffs[c] > 15)
            return false;
    return true;
}

/* Everything the writer needs to emit a structure the parser reads back
 * unchanged. */
static bool structure_ok(const rtp_dd_structure_t *s)
{
    if (!structure_counts_ok(s))
        return false;
    for (unsigned dt = 0; s->chain_count > 0 && dt < s->dt_count; dt++)
        if (s->decode_target_protected_by[dt] >= s->chain_count)
            return false;
    for (unsigned t = 0; t < s->template_count; t++) {
        const rtp_dd_template_t *tpl = &s->templates[t];
        if (!template_ok(s, tpl))
            return false;
        if (t == 0) {
            if (tpl->spatial_id != 0 || tpl->temporal_id != 0)
                return false;
            continue;
        }
        const rtp_dd_template_t *prev = tpl - 1;
        bool same = tpl->spatial_id == prev->spatial_id && tpl->temporal_id == prev->temporal_id;
        bool next_temporal =
            tpl->spatial_id == prev->spatial_id && tpl->temporal_id == prev->temporal_id + 1;
        bool next_spatial = tpl->spatial_id == prev->spatial_id + 1 && tpl->temporal_id == 0;
        if (!same && !next_temporal && !next_spatial)
            return false;
    }
    if (s->has_resolutions) {
        for (unsigned sid = 0; sid <= max_spatial_id(s); sid++) {
            if (s->render_width[sid] < 1 || s->render_width[sid] > 65536 ||
                s->render_height[sid] < 1 || s->render_height[sid] > 65536)
                return false;
        }
    }
    return true;
}

static uint32_t all_decode_targets(unsigned dt_count)
{
    return dt_count >= 32 ? UINT32_MAX : (1u << dt_count) - 1;
}

/* The template a frame_dependency_template_id selects, or -1. */
static int template_index(const rtp_dd_structure_t *s, unsigned template_id)
{
    unsigned index =
        (template_id + RTP_DD_MAX_TEMPLATES - s->template_id_offset) % RTP_DD_MAX_TEMPLATES;
    return index < s->template_count ? (int)index : -1;
}

/* ---- parse --------------------------------------------------------------- */

/* Keeps the mandatory fields and zeroes the rest, for every error exit. */
static rtp_err_t fail(rtp_dd_t *out, rtp_err_t err)
{
    rtp_dd_t mandatory = { 0 };
    mandatory.start_of_frame = out->start_of_frame;
    mandatory.end_of_frame = out->end_of_frame;
    mandatory.template_id = out->template_id;
    mandatory.frame_number = out->frame_number;
    *out = mandatory;
    return err;
}

/* frame_dtis(), frame_fdiffs(), frame_chains(): the custom fields. */
static rtp_err_t read_custom_fields(dd_reader_t *r, unsigned flags, const rtp_dd_structure_t *s,
                                    rtp_dd_t *out)
{
    if (flags & 4) { /* custom_dtis_flag */
        for (unsigned dt = 0; dt < s->dt_count; dt++)
            out->dtis[dt] = (uint8_t)read_bits(r, 2);
    }
    if (flags & 2) { /* custom_fdiffs_flag */
        out->fdiff_count = 0;
        for (uint32_t size = read_bits(r, 2); size != 0 && !r->bad; size = read_bits(r, 2)) {
            if (out->fdiff_count == RTP_DD_MAX_FDIFFS)
                return RTP_ERR_UNSUPPORTED;
            out->fdiffs[out->fdiff_count++] = (uint16_t)(read_bits(r, 4 * size) + 1);
        }
    }
    if (flags & 1) { /* custom_chains_flag */
        for (unsigned c = 0; c < s->chain_count; c++)
            out->chain_fdiffs[c] = (uint8_t)read_bits(r, 8);
    }
    return r->bad ? RTP_ERR_TRUNCATED : RTP_OK;
}

/* frame_dependency_definition() minus the custom fields: copies the
 * template's values into out. */
static void apply_template(const rtp_dd_structure_t *s, unsigned index, rtp_dd_t *out)
{
    const rtp_dd_template_t *tpl = &s->templates[index];
    out->template_id = (uint8_t)((s->template_id_offset + index) % RTP_DD_MAX_TEMPLATES);
    out->spatial_id = tpl->spatial_id;
    out->temporal_id = tpl->temporal_id;
    out->dt_count = s->dt_count;
    memcpy(out->dtis, tpl->dtis, s->dt_count);
    out->fdiff_count = tpl->fdiff_count;
    for (unsigned i = 0; i < tpl->fdiff_count; i++)
        out->fdiffs[i] = tpl->fdiffs[i];
    out->chain_count = s->chain_count;
    memcpy(out->chain_fdiffs, tpl->chain_fdiffs, s->chain_count);
    out->has_resolution = s->has_resolutions;
    out->max_width = s->has_resolutions ? s->render_width[tpl->spatial_id] : 0;
    out->max_height = s->has_resolutions ? s->render_height[tpl->spatial_id] : 0;
}

rtp_err_t rtp_dd_parse(const uint8_t *ext, size_t len, const rtp_dd_structure_t *prev_structure,
                       rtp_dd_t *out, rtp_dd_structure_t *structure_out)
{
    if (!out)
        return RTP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!ext && len > 0)
        return RTP_ERR_INVALID_ARG;
    if (len < RTP_DD_MANDATORY_SIZE)
        return RTP_ERR_TRUNCATED;

    dd_reader_t r = { ext, len > SIZE_MAX / 8 ? SIZE_MAX / 8 * 8 : len * 8, 0, false };
    out->start_of_frame = read_flag(&r);
    out->end_of_frame = read_flag(&r);
    out->template_id = (uint8_t)read_bits(&r, 6);
    out->frame_number = (uint16_t)read_bits(&r, 16);

    /* no_extended_descriptor_fields() leaves every flag 0. Bit order:
     * structure, active decode targets, custom dtis, fdiffs, chains. */
    unsigned flags = len > RTP_DD_MANDATORY_SIZE ? (unsigned)read_bits(&r, 5) : 0;

    /* Parsed into a local so that a failure leaves structure_out intact,
     * and so that structure_out may alias prev_structure. */
    rtp_dd_structure_t attached;
    const rtp_dd_structure_t *s = prev_structure;
    if (flags & 16) {
        rtp_err_t err = read_structure(&r, &attached);
        if (err != RTP_OK)
            return fail(out, err);
        s = &attached;
    } else if (!s) {
        return fail(out, RTP_ERR_NEED_STRUCTURE);
    } else if (!structure_counts_ok(s)) {
        return fail(out, RTP_ERR_INVALID_ARG);
    }

    if (flags & 16) {
        out->active_decode_targets_present = true;
        out->active_decode_targets = all_decode_targets(s->dt_count);
    }
    if (flags & 8) {
        out->active_decode_targets_present = true;
        out->active_decode_targets = read_bits(&r, s->dt_count);
    }

    int index = template_index(s, out->template_id);
    if (index < 0)
        return fail(out, s == &attached ? RTP_ERR_MALFORMED : RTP_ERR_NEED_STRUCTURE);
    if (s != &attached && !template_ok(s, &s->templates[index]))
        return fail(out, RTP_ERR_INVALID_ARG);
    apply_template(s, (unsigned)index, out);
    rtp_err_t err = read_custom_fields(&r, flags & 7, s, out);
    if (err != RTP_OK)
        return fail(out, err);
    if (r.bad)
        return fail(out, RTP_ERR_TRUNCATED);

    out->has_structure = s == &attached;
    if (out->has_structure && structure_out)
        *structure_out = attached;
    return RTP_OK;
}

bool rtp_dd_is_keyframe_start(const rtp_dd_t *dd)
{
    return dd && dd->start_of_frame && dd->has_structure;
}

/* ---- write --------------------------------------------------------------- */

static void write_structure(dd_writer_t *w, const rtp_dd_structure_t *s)
{
    write_bits(w, s->template_id_offset, 6);
    write_bits(w, s->dt_count - 1u, 5);
    for (unsigned t = 1; t < s->template_count; t++) {
        const rtp_dd_template_t *prev = &s->templates[t - 1], *tpl = &s->templates[t];
        uint32_t idc = tpl->spatial_id != prev->spatial_id     ? NEXT_LAYER_SPATIAL
                       : tpl->temporal_id != prev->temporal_id ? NEXT_LAYER_TEMPORAL
                                                               : NEXT_LAYER_SAME;
        write_bits(w, idc, 2);
    }
    write_bits(w, NEXT_LAYER_NONE, 2);
    for (unsigned t = 0; t < s->template_count; t++)
        for (unsigned dt = 0; dt < s->dt_count; dt++)
            write_bits(w, s->templates[t].dtis[dt], 2);
    for (unsigned t = 0; t < s->template_count; t++) {
        for (unsigned i = 0; i < s->templates[t].fdiff_count; i++) {
            write_bits(w, 1, 1);
            write_bits(w, s->templates[t].fdiffs[i] - 1u, 4);
        }
        write_bits(w, 0, 1);
    }
    write_ns(w, s->dt_count + 1u, s->chain_count);
    if (s->chain_count > 0) {
        for (unsigned dt = 0; dt < s->dt_count; dt++)
            write_ns(w, s->chain_count, s->decode_target_protected_by[dt]);
        for (unsigned t = 0; t < s->template_count; t++)
            for (unsigned c = 0; c < s->chain_count; c++)
                write_bits(w, s->templates[t].chain_fdiffs[c], 4);
    }
    write_bits(w, s->has_resolutions, 1);
    if (s->has_resolutions) {
        for (unsigned sid = 0; sid <= max_spatial_id(s); sid++) {
            write_bits(w, s->render_width[sid] - 1, 16);
            write_bits(w, s->render_height[sid] - 1, 16);
        }
    }
}

/* What the writer decided: which optional parts to emit. */
typedef struct dd_plan {
    bool active;      /* active_decode_targets_present_flag */
    bool custom_dtis; /* custom_dtis_flag */
    bool custom_fdiffs;
    bool custom_chains;
} dd_plan_t;

static void write_descriptor(dd_writer_t *w, const rtp_dd_t *dd, const rtp_dd_structure_t *s,
                             const dd_plan_t *plan)
{
    write_bits(w, dd->start_of_frame, 1);
    write_bits(w, dd->end_of_frame, 1);
    write_bits(w, dd->template_id, 6);
    write_bits(w, dd->frame_number, 16);
    if (!dd->has_structure && !plan->active && !plan->custom_dtis && !plan->custom_fdiffs &&
        !plan->custom_chains)
        return; /* the 3-byte form */

    write_bits(w, dd->has_structure, 1);
    write_bits(w, plan->active, 1);
    write_bits(w, plan->custom_dtis, 1);
    write_bits(w, plan->custom_fdiffs, 1);
    write_bits(w, plan->custom_chains, 1);
    if (dd->has_structure)
        write_structure(w, s);
    if (plan->active)
        write_bits(w, dd->active_decode_targets, s->dt_count);
    if (plan->custom_dtis)
        for (unsigned dt = 0; dt < s->dt_count; dt++)
            write_bits(w, dd->dtis[dt], 2);
    if (plan->custom_fdiffs) {
        for (unsigned i = 0; i < dd->fdiff_count; i++) {
            uint32_t fdiff_minus_one = dd->fdiffs[i] - 1u;
            unsigned size = fdiff_minus_one < 16 ? 1 : fdiff_minus_one < 256 ? 2 : 3;
            write_bits(w, size, 2); /* next_fdiff_size, in nibbles */
            write_bits(w, fdiff_minus_one, 4 * size);
        }
        write_bits(w, 0, 2);
    }
    if (plan->custom_chains)
        for (unsigned c = 0; c < s->chain_count; c++)
            write_bits(w, dd->chain_fdiffs[c], 8);
}

/* Checks dd against s and decides which optional parts to emit. */
static rtp_err_t plan_descriptor(const rtp_dd_t *dd, const rtp_dd_structure_t *s, dd_plan_t *plan)
{
    bool valid = dd->has_structure ? structure_ok(s) : structure_counts_ok(s);
    if (!valid || dd->template_id >= RTP_DD_MAX_TEMPLATES)
        return RTP_ERR_INVALID_ARG;
    int index = template_index(s, dd->template_id);
    if (index < 0)
        return RTP_ERR_INVALID_ARG;
    const rtp_dd_template_t *tpl = &s->templates[index];
    if (!dd->has_structure && !template_ok(s, tpl))
        return RTP_ERR_INVALID_ARG;
    if (dd->spatial_id != tpl->spatial_id || dd->temporal_id != tpl->temporal_id ||
        dd->dt_count != s->dt_count || dd->chain_count != s->chain_count ||
        dd->fdiff_count > RTP_DD_MAX_FDIFFS)
        return RTP_ERR_INVALID_ARG;
    uint32_t all = all_decode_targets(s->dt_count);
    if (dd->active_decode_targets_present && (dd->active_decode_targets & ~all) != 0)
        return RTP_ERR_INVALID_ARG;

    memset(plan, 0, sizeof *plan);
    for (unsigned dt = 0; dt < s->dt_count; dt++) {
        if (dd->dtis[dt] > RTP_DD_DTI_REQUIRED)
            return RTP_ERR_INVALID_ARG;
        plan->custom_dtis |= dd->dtis[dt] != tpl->dtis[dt];
    }
    plan->custom_fdiffs = dd->fdiff_count != tpl->fdiff_count;
    for (unsigned i = 0; i < dd->fdiff_count; i++) {
        if (dd->fdiffs[i] < 1 || dd->fdiffs[i] > RTP_DD_MAX_FRAME_FDIFF)
            return RTP_ERR_INVALID_ARG;
        plan->custom_fdiffs |= i >= tpl->fdiff_count || dd->fdiffs[i] != tpl->fdiffs[i];
    }
    for (unsigned c = 0; c < s->chain_count; c++)
        plan->custom_chains |= dd->chain_fdiffs[c] != tpl->chain_fdiffs[c];
    /* A structure implies all decode targets active (A.4). */
    plan->active = dd->active_decode_targets_present &&
                   !(dd->has_structure && dd->active_decode_targets == all);
    return RTP_OK;
}

rtp_err_t rtp_dd_write(const rtp_dd_t *dd, const rtp_dd_structure_t *structure, uint8_t *out,
                       size_t cap, size_t *out_len)
{
    if (!dd || !structure || !out_len || (!out && cap > 0))
        return RTP_ERR_INVALID_ARG;
    *out_len = 0;
    dd_plan_t plan;
    rtp_err_t err = plan_descriptor(dd, structure, &plan);
    if (err != RTP_OK)
        return err;

    dd_writer_t counter = { NULL, 0 };
    write_descriptor(&counter, dd, structure, &plan);
    size_t size = (counter.pos + 7) / 8;
    *out_len = size;
    if (size > cap)
        return RTP_ERR_NO_SPACE;

    memset(out, 0, size);
    dd_writer_t writer = { out, 0 };
    write_descriptor(&writer, dd, structure, &plan);
    return RTP_OK;
}

/* ---- helpers ------------------------------------------------------------- */

rtp_err_t rtp_dd_from_template(const rtp_dd_structure_t *structure, unsigned template_index,
                               rtp_dd_t *dd)
{
    if (!structure || !dd || !structure_counts_ok(structure) ||
        template_index >= structure->template_count ||
        !template_ok(structure, &structure->templates[template_index]))
        return RTP_ERR_INVALID_ARG;
    memset(dd->dtis, 0, sizeof dd->dtis);
    memset(dd->fdiffs, 0, sizeof dd->fdiffs);
    memset(dd->chain_fdiffs, 0, sizeof dd->chain_fdiffs);
    apply_template(structure, template_index, dd);
    return RTP_OK;
}

rtp_err_t rtp_dd_set_frame_number(uint8_t *ext, size_t len, uint16_t frame_number)
{
    if (!ext)
        return RTP_ERR_INVALID_ARG;
    if (len < RTP_DD_MANDATORY_SIZE)
        return RTP_ERR_TRUNCATED;
    rtp__wr16(ext + 1, frame_number);
    return RTP_OK;
}

rtp_err_t rtp_dd_decode_target_layer(const rtp_dd_structure_t *structure, unsigned dt,
                                     uint8_t *spatial_id, uint8_t *temporal_id)
{
    if (!structure || !spatial_id || !temporal_id || !structure_counts_ok(structure) ||
        dt >= structure->dt_count)
        return RTP_ERR_INVALID_ARG;
    uint8_t sid = 0, tid = 0;
    for (unsigned t = 0; t < structure->template_count; t++) {
        const rtp_dd_template_t *tpl = &structure->templates[t];
        if (tpl->dtis[dt] == RTP_DD_DTI_NOT_PRESENT)
            continue;
        if (tpl->spatial_id > sid)
            sid = tpl->spatial_id;
        if (tpl->temporal_id > tid)
            tid = tpl->temporal_id;
    }
    *spatial_id = sid;
    *temporal_id = tid;
    return RTP_OK;
}

static bool template_equal(const rtp_dd_structure_t *s, const rtp_dd_template_t *a,
                           const rtp_dd_template_t *b)
{
    return a->spatial_id == b->spatial_id && a->temporal_id == b->temporal_id &&
           a->fdiff_count == b->fdiff_count && a->fdiff_count <= RTP_DD_MAX_FDIFFS &&
           memcmp(a->fdiffs, b->fdiffs, a->fdiff_count) == 0 &&
           memcmp(a->dtis, b->dtis, s->dt_count) == 0 &&
           memcmp(a->chain_fdiffs, b->chain_fdiffs, s->chain_count) == 0;
}

bool rtp_dd_structure_equal(const rtp_dd_structure_t *a, const rtp_dd_structure_t *b)
{
    if (!a || !b || !structure_counts_ok(a) || !structure_counts_ok(b))
        return false;
    if (a->template_id_offset != b->template_id_offset || a->dt_count != b->dt_count ||
        a->chain_count != b->chain_count || a->template_count != b->template_count ||
        a->has_resolutions != b->has_resolutions)
        return false;
    if (a->chain_count > 0 &&
        memcmp(a->decode_target_protected_by, b->decode_target_protected_by, a->dt_count) != 0)
        return false;
    for (unsigned t = 0; t < a->template_count; t++)
        if (!template_equal(a, &a->templates[t], &b->templates[t]))
            return false;
    if (a->has_resolutions) {
        unsigned spatial_layers = max_spatial_id(a) + 1u;
        if (spatial_layers > RTP_DD_MAX_SPATIAL_LAYERS)
            return false;
        for (unsigned sid = 0; sid < spatial_layers; sid++)
            if (a->render_width[sid] != b->render_width[sid] ||
                a->render_height[sid] != b->render_height[sid])
                return false;
    }
    return true;
}

bool rtp_dd_equal(const rtp_dd_t *a, const rtp_dd_t *b)
{
    if (!a || !b)
        return false;
    if (a->start_of_frame != b->start_of_frame || a->end_of_frame != b->end_of_frame ||
        a->template_id != b->template_id || a->frame_number != b->frame_number ||
        a->has_structure != b->has_structure ||
        a->active_decode_targets_present != b->active_decode_targets_present ||
        a->active_decode_targets != b->active_decode_targets || a->spatial_id != b->spatial_id ||
        a->temporal_id != b->temporal_id || a->dt_count != b->dt_count ||
        a->fdiff_count != b->fdiff_count || a->chain_count != b->chain_count ||
        a->has_resolution != b->has_resolution || a->max_width != b->max_width ||
        a->max_height != b->max_height)
        return false;
    if (a->dt_count > RTP_DD_MAX_DECODE_TARGETS || a->fdiff_count > RTP_DD_MAX_FDIFFS ||
        a->chain_count > RTP_DD_MAX_CHAINS)
        return false;
    return memcmp(a->dtis, b->dtis, a->dt_count) == 0 &&
           memcmp(a->fdiffs, b->fdiffs, a->fdiff_count * sizeof a->fdiffs[0]) == 0 &&
           memcmp(a->chain_fdiffs, b->chain_fdiffs, a->chain_count) == 0;
}
