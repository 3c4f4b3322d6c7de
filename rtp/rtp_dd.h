/* The AV1 dependency descriptor (DD) RTP header extension: parse, write and
 * the cheap in-place edit an SFU needs.
 *
 * The DD travels in clear beside an encrypted payload and tells an SFU where
 * frames begin and end, which spatial/temporal layer and decode targets a
 * frame belongs to, which earlier frames it refers to, and where keyframes
 * are. Its compact form (3 bytes) refers to a template of a template
 * dependency structure that an earlier packet carried, usually the first
 * packet of the last keyframe; callers keep that structure and pass it in.
 *
 * Reference: AV1 RTP specification (aomediacodec av1-rtp-spec), Appendix A,
 * "Dependency Descriptor RTP Header Extension", sections A.8.2 (syntax) and
 * A.8.3 (semantics). Names below follow the spec's syntax elements.
 *
 * Everything here is a pure function over caller-owned memory; the structs
 * are fixed-size and bounded, so hostile input cannot make them overflow. */
#ifndef BLINDFOLD_RTP_DD_H
#define BLINDFOLD_RTP_DD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp/rtp_error.h"

/* Bounds. Templates, decode targets and chains are bounded by the syntax
 * itself (6-bit template id, 5-bit dt_cnt_minus_one, chain_cnt <= DtCnt).
 * Spatial and temporal ids are bounded by AV1 (spatial_id is 2 bits,
 * temporal_id 3 bits, AV1 section 5.3.3); the DD syntax alone would allow
 * more, but no AV1 stream and no libwebrtc sender produces it, so a
 * structure that goes beyond is rejected as RTP_ERR_MALFORMED. The DD
 * syntax does not bound the number of frame differences (fdiffs) of a
 * template or frame; this implementation keeps up to RTP_DD_MAX_FDIFFS and
 * answers RTP_ERR_UNSUPPORTED beyond (AV1 frames have at most 7
 * references). */
#define RTP_DD_MAX_TEMPLATES       64
#define RTP_DD_MAX_DECODE_TARGETS  32
#define RTP_DD_MAX_CHAINS          32
#define RTP_DD_MAX_SPATIAL_LAYERS  4
#define RTP_DD_MAX_TEMPORAL_LAYERS 8
#define RTP_DD_MAX_FDIFFS          16
/* Size of the mandatory fields, and of a descriptor that has nothing else. */
#define RTP_DD_MANDATORY_SIZE 3
/* Largest fdiff a frame can carry (12-bit fdiff_minus_one) and largest fdiff
 * a template can carry (4-bit fdiff_minus_one). */
#define RTP_DD_MAX_FRAME_FDIFF    4096
#define RTP_DD_MAX_TEMPLATE_FDIFF 16

/* Decode Target Indication, Table A.1. */
typedef enum rtp_dd_dti {
    RTP_DD_DTI_NOT_PRESENT = 0, /* '-' */
    RTP_DD_DTI_DISCARDABLE = 1, /* 'D' */
    RTP_DD_DTI_SWITCH = 2,      /* 'S' */
    RTP_DD_DTI_REQUIRED = 3,    /* 'R' */
} rtp_dd_dti_t;

/* One Frame dependency template. */
typedef struct rtp_dd_template {
    uint8_t spatial_id;                      /* TemplateSpatialId, 0..3 */
    uint8_t temporal_id;                     /* TemplateTemporalId, 0..7 */
    uint8_t fdiff_count;                     /* TemplateFdiffCnt, 0..RTP_DD_MAX_FDIFFS */
    uint8_t fdiffs[RTP_DD_MAX_FDIFFS];       /* TemplateFdiff, 1..16 */
    uint8_t dtis[RTP_DD_MAX_DECODE_TARGETS]; /* template_dti, rtp_dd_dti_t */
    uint8_t chain_fdiffs[RTP_DD_MAX_CHAINS]; /* template_chain_fdiff, 0..15 */
} rtp_dd_template_t;

/* A template dependency structure (template_dependency_structure()). */
typedef struct rtp_dd_structure {
    uint8_t template_id_offset; /* 0..63 */
    uint8_t dt_count;           /* DtCnt, 1..32 */
    uint8_t chain_count;        /* chain_cnt, 0..dt_count */
    uint8_t template_count;     /* TemplateCnt, 1..64 */
    /* decode_target_protected_by[dt], < chain_count; unused when chain_count == 0 */
    uint8_t decode_target_protected_by[RTP_DD_MAX_DECODE_TARGETS];
    /* Templates are ordered as on the wire: the first is spatial 0 temporal 0,
     * and each next one keeps the layer, adds 1 to the temporal id, or adds 1
     * to the spatial id with temporal id 0 (next_layer_idc, Table A.2). */
    rtp_dd_template_t templates[RTP_DD_MAX_TEMPLATES];
    /* resolutions_present_flag and render_resolutions(): one entry per
     * spatial id 0..MaxSpatialId (the last template's spatial id). Widths
     * and heights are the real values, 1..65536 (max_render_*_minus_1 + 1). */
    bool has_resolutions;
    uint32_t render_width[RTP_DD_MAX_SPATIAL_LAYERS];
    uint32_t render_height[RTP_DD_MAX_SPATIAL_LAYERS];
} rtp_dd_structure_t;

/* A parsed dependency descriptor, with its frame dependency definition
 * resolved against the template structure (frame_dependency_definition()). */
typedef struct rtp_dd {
    /* mandatory_descriptor_fields(): always present. */
    bool start_of_frame;
    bool end_of_frame;
    uint8_t template_id;   /* frame_dependency_template_id, 0..63 */
    uint16_t frame_number; /* wraps; same for all packets of a frame */

    /* This packet carries a template dependency structure. */
    bool has_structure;
    /* This packet sets the active decode targets: explicitly
     * (active_decode_targets_present_flag) or implicitly, because it carries
     * a structure (all decode targets active, section A.4). When false the
     * previous set stays valid and active_decode_targets is 0. Bit i is
     * decode target i. */
    bool active_decode_targets_present;
    uint32_t active_decode_targets;

    /* The frame: from the template, overridden by custom fields. */
    uint8_t spatial_id;                      /* FrameSpatialId */
    uint8_t temporal_id;                     /* FrameTemporalId */
    uint8_t dt_count;                        /* the structure's DtCnt */
    uint8_t dtis[RTP_DD_MAX_DECODE_TARGETS]; /* frame_dti, rtp_dd_dti_t */
    uint8_t fdiff_count;                     /* FrameFdiffCnt */
    uint16_t fdiffs[RTP_DD_MAX_FDIFFS];      /* FrameFdiff, 1..4096 */
    uint8_t chain_count;                     /* the structure's chain_cnt */
    uint8_t chain_fdiffs[RTP_DD_MAX_CHAINS]; /* frame_chain_fdiff, 0..255 */
    /* FrameMaxWidth/FrameMaxHeight, when the structure has resolutions. */
    bool has_resolution;
    uint32_t max_width;
    uint32_t max_height;
} rtp_dd_t;

/* Parses one dependency descriptor extension element.
 *
 *   ext, len        the extension's value (not its RTP extension header)
 *   prev_structure  the structure in force: the one the last keyframe
 *                   carried. May be NULL. Ignored when the packet carries
 *                   its own structure, which then applies.
 *   out             receives the descriptor. Required.
 *   structure_out   receives the packet's own structure, when it carries one
 *                   and the parse succeeds; left untouched otherwise. May be
 *                   NULL, and may be the same object as prev_structure.
 *
 * Trailing bits after the last field are padding and are ignored (A.8.3,
 * zero_padding), whatever their value.
 *
 * Whenever len >= 3, out->start_of_frame, end_of_frame, template_id and
 * frame_number are filled, even on error, so an SFU can still find frame
 * boundaries. On error every other field of out is zero.
 *
 * Returns RTP_OK, or:
 *   RTP_ERR_INVALID_ARG     out is NULL, ext is NULL with len > 0, or
 *                           prev_structure has counts out of bounds
 *   RTP_ERR_TRUNCATED       len < 3, or a field runs past the end
 *   RTP_ERR_NEED_STRUCTURE  no structure is attached and prev_structure is
 *                           NULL, or the template id falls outside
 *                           prev_structure's templates (A.8.3 notes this
 *                           happens when the packet carrying a newer
 *                           structure was lost or delayed)
 *   RTP_ERR_MALFORMED       the attached structure has more than 64
 *                           templates, a spatial id > 3 or temporal id > 7,
 *                           or the template id falls outside the attached
 *                           structure's templates
 *   RTP_ERR_UNSUPPORTED     a template or the frame lists more than
 *                           RTP_DD_MAX_FDIFFS frame differences */
rtp_err_t rtp_dd_parse(const uint8_t *ext, size_t len, const rtp_dd_structure_t *prev_structure,
                       rtp_dd_t *out, rtp_dd_structure_t *structure_out);

/* True when the packet starts a keyframe: start_of_frame is set and the
 * packet carries a template dependency structure. The rule rests on A.8.3:
 * "template_dependency_structure_present_flag MUST be set to 1 for the first
 * packet of a coded video sequence, and MUST be set to 0 otherwise"; an AV1
 * coded video sequence starts with a key frame. libwebrtc's receiver treats
 * a structure attached to the first packet of a frame the same way. */
bool rtp_dd_is_keyframe_start(const rtp_dd_t *dd);

/* Serializes dd against structure, in the fewest bytes the syntax allows:
 *   - the 3-byte form when nothing but the mandatory fields is needed;
 *   - custom dtis, fdiffs and chains only where dd differs from the
 *     template dd->template_id selects (fdiffs in the fewest nibbles);
 *   - the active decode targets bitmask only when
 *     dd->active_decode_targets_present is set, and, when a structure is
 *     attached, only if it differs from "all active" (which attaching a
 *     structure implies).
 *
 *   dd         the descriptor. dd->has_structure attaches structure.
 *              dd->template_id must select a template of structure
 *              (template_id_offset .. + template_count - 1, modulo 64);
 *              dd->spatial_id/temporal_id must be that template's, and
 *              dd->dt_count/chain_count the structure's.
 *              has_resolution/max_width/max_height are not written (they
 *              come from the structure) and are ignored.
 *   structure  the structure the frame refers to (attached or not).
 *   out, cap   caller's buffer.
 *   out_len    receives the size written; on RTP_ERR_NO_SPACE, the size
 *              needed.
 *
 * Padding bits are written as zero.
 *
 * Returns RTP_OK, or:
 *   RTP_ERR_INVALID_ARG  a NULL argument (out may be NULL only with cap 0),
 *                        a structure or descriptor value out of its range,
 *                        or dd inconsistent with structure as listed above
 *   RTP_ERR_NO_SPACE     cap is smaller than the encoding */
rtp_err_t rtp_dd_write(const rtp_dd_t *dd, const rtp_dd_structure_t *structure, uint8_t *out,
                       size_t cap, size_t *out_len);

/* Fills dd's frame fields (template_id, spatial/temporal id, dt_count, dtis,
 * fdiffs, chain_count, chain_fdiffs, resolution) from the template at index
 * template_index of structure, as a sender does before overriding what
 * differs. Leaves the mandatory flags, frame_number, has_structure and the
 * active decode targets alone.
 *
 * Returns RTP_OK, or RTP_ERR_INVALID_ARG for a NULL argument or an index
 * >= structure->template_count. */
rtp_err_t rtp_dd_from_template(const rtp_dd_structure_t *structure, unsigned template_index,
                               rtp_dd_t *dd);

/* Rewrites frame_number in an encoded descriptor in place. frame_number
 * always sits in bytes 1..2 (bits 8..23, big-endian), so nothing else moves.
 *
 * Returns RTP_OK, RTP_ERR_INVALID_ARG when ext is NULL, or
 * RTP_ERR_TRUNCATED when len < 3. */
rtp_err_t rtp_dd_set_frame_number(uint8_t *ext, size_t len, uint16_t frame_number);

/* The spatial and temporal id of decode target dt: the highest ids of the
 * templates whose DTI for dt is not "not present" (decode_target_layers(),
 * A.8.2). Returns RTP_ERR_INVALID_ARG for a NULL argument or dt >=
 * structure->dt_count, else RTP_OK. */
rtp_err_t rtp_dd_decode_target_layer(const rtp_dd_structure_t *structure, unsigned dt,
                                     uint8_t *spatial_id, uint8_t *temporal_id);

/* Field-by-field equality over the meaningful fields (entries past a count
 * are not compared). The spec requires a structure re-sent with the same
 * template_id_offset to be identical (A.8.3). */
bool rtp_dd_structure_equal(const rtp_dd_structure_t *a, const rtp_dd_structure_t *b);
bool rtp_dd_equal(const rtp_dd_t *a, const rtp_dd_t *b);

#endif
