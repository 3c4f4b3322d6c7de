/* peers/e2ee.c: the E2EE transform of a peer (see e2ee.h for the KID
 * layout, the key life and the hold policy).
 *
 * The crypto is sframe/'s: RFC 9605 sender and receiver contexts (header
 * of section 4.3, key schedule of 4.4.2, ratchet of 5.1, KIDs after the MLS
 * layout of 5.2) for SFRAME, and the legacy insertable-streams contexts of
 * sframe/sframe_legacy.h for INSERTABLE_LEGACY. What this file adds is the
 * simulation's key management on top: epochs, the grace period of the
 * previous epoch (docs/DESIGN.md, "Key distribution (simulated)") and the
 * queue of frames that arrived before their key, each of which is handed
 * back exactly once, decrypted or counted ("Frames that arrive before
 * their key are counted, not silently dropped").
 *
 * A receiver tracks at most two live epochs in `epochs`: the newest and,
 * until its deadline, the previous one. Epochs travel in frames modulo
 * 2^8 (SFrame KID) or 16 (legacy key index); with two live epochs whose
 * residues differ (add_key enforces it) the residue names an epoch.
 *
 * The test modes (e2ee.h, peer__e2ee_test_mode_t) are the oracle's negative
 * controls and live beside the real path: XOR_CONSTANT and HALF_CLEAR
 * sender and receiver code below, CTR_REUSE through the one-shot AEAD of
 * sframe/ with a key derived once per KID (sframe_derive_key_salt), since a
 * sender context cannot be told to repeat a counter. */
#include "peers/e2ee.h"

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

#define MS                  1000u
#define LIVE_EPOCHS         2u
#define LEGACY_KEY_INDEXES  16u
#define DEFAULT_SUITE       SFRAME_AES_128_GCM_SHA256_128
#define DEFAULT_STREAMS     4u
#define DEFAULT_GRACE_MS    2000u
#define DEFAULT_HOLD_MS     2000u
#define DEFAULT_HELD_FRAMES 64u
#define DEFAULT_HELD_BYTES  (4u * 1024u * 1024u)
#define RATCHET_OUT_MAX     64u
#define SUITE_KEY_MAX       32u /* Nk of AES-256 */
#define SUITE_NONCE_MAX     12u

const uint8_t peer__e2ee_xor_pattern[PEER__E2EE_XOR_PATTERN_LEN] = {
    0x5a, 0xc3, 0x96, 0x3c, 0xa5, 0x0f, 0xf0, 0x69, 0x1e, 0xe1, 0x78, 0x87, 0x2d, 0xd2, 0x4b, 0xb4,
};

static const char *const result_messages[] = {
#define PEER__E2EE_MSG(name, msg) msg,
    PEER__E2EE_RESULT_LIST(PEER__E2EE_MSG)
#undef PEER__E2EE_MSG
};

static const char *const result_names[] = {
#define PEER__E2EE_NAME(name, msg) #name,
    PEER__E2EE_RESULT_LIST(PEER__E2EE_NAME)
#undef PEER__E2EE_NAME
};

const char *peer__e2ee_result_str(peer__e2ee_result_t result)
{
    return (unsigned)result < PEER__E2EE_RESULT__COUNT ? result_messages[result] : "unknown result";
}

const char *peer__e2ee_result_name(peer__e2ee_result_t result)
{
    return (unsigned)result < PEER__E2EE_RESULT__COUNT ? result_names[result] : "unknown";
}

const char *peer__e2ee_scheme_name(peer__e2ee_scheme_t scheme)
{
    switch (scheme) {
    case PEER__E2EE_SFRAME:
        return "sframe";
    case PEER__E2EE_INSERTABLE_LEGACY:
        return "insertable-legacy";
    case PEER__E2EE_NONE:
        return "none";
    }
    return "unknown";
}

static bool scheme_valid(peer__e2ee_scheme_t scheme)
{
    return scheme == PEER__E2EE_SFRAME || scheme == PEER__E2EE_INSERTABLE_LEGACY ||
           scheme == PEER__E2EE_NONE;
}

static bool test_mode_valid(peer__e2ee_scheme_t scheme, peer__e2ee_test_mode_t mode)
{
    if (mode == PEER__E2EE_TEST_OFF) {
        return true;
    }
    return scheme == PEER__E2EE_SFRAME &&
           (mode == PEER__E2EE_TEST_XOR_CONSTANT || mode == PEER__E2EE_TEST_CTR_REUSE ||
            mode == PEER__E2EE_TEST_HALF_CLEAR);
}

static void xor_pattern(const uint8_t *in, size_t len, uint8_t *out)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(in[i] ^ peer__e2ee_xor_pattern[i % PEER__E2EE_XOR_PATTERN_LEN]);
    }
}

static bool kind_valid(peer__e2ee_kind_t kind)
{
    return kind == PEER__E2EE_VIDEO_VP8 || kind == PEER__E2EE_AUDIO_OPUS;
}

static sframe_legacy_codec_t legacy_codec(peer__e2ee_kind_t kind)
{
    return kind == PEER__E2EE_AUDIO_OPUS ? SFRAME_LEGACY_AUDIO : SFRAME_LEGACY_VIDEO_VP8;
}

static bool ranges_overlap(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return a0 < b0 + b_len && b0 < a0 + a_len;
}

/* --- KIDs, clear bytes, sizes ------------------------------------------------ */

sframe_err_t peer__e2ee_kid(uint32_t sender_id, unsigned stream, uint64_t epoch, uint64_t step,
                            uint64_t *kid)
{
    if (kid == NULL || stream >= PEER__E2EE_MAX_STREAMS) {
        return SFRAME_ERR_INVALID_ARG;
    }
    uint64_t generation = 0;
    uint64_t epoch_mod = epoch & ((UINT64_C(1) << PEER__E2EE_EPOCH_BITS) - 1);
    sframe_err_t err = sframe_mls_kid(stream, sender_id, epoch_mod, PEER__E2EE_SENDER_BITS,
                                      PEER__E2EE_EPOCH_BITS, &generation);
    if (err != SFRAME_OK) {
        return err;
    }
    *kid = sframe_ratchet_kid(generation, step, PEER__E2EE_RATCHET_BITS);
    return SFRAME_OK;
}

bool peer__e2ee_kid_decode(uint64_t kid, peer__e2ee_kid_fields_t *fields)
{
    uint64_t generation = kid >> PEER__E2EE_RATCHET_BITS;
    uint64_t stream = generation >> (PEER__E2EE_SENDER_BITS + PEER__E2EE_EPOCH_BITS);
    if (fields == NULL || stream >= PEER__E2EE_MAX_STREAMS) {
        return false;
    }
    fields->step_mod = (unsigned)(kid & ((UINT64_C(1) << PEER__E2EE_RATCHET_BITS) - 1));
    fields->epoch_mod = (unsigned)(generation & ((UINT64_C(1) << PEER__E2EE_EPOCH_BITS) - 1));
    fields->sender_id = (uint32_t)(generation >> PEER__E2EE_EPOCH_BITS);
    fields->stream = (unsigned)stream;
    return true;
}

size_t peer__e2ee_clear_bytes(peer__e2ee_scheme_t scheme, peer__e2ee_kind_t kind,
                              const uint8_t *frame, size_t frame_len)
{
    if (!kind_valid(kind)) {
        return 0;
    }
    switch (scheme) {
    case PEER__E2EE_SFRAME:
        return 0;
    case PEER__E2EE_INSERTABLE_LEGACY: {
        if (frame == NULL) {
            return 0;
        }
        size_t clear = sframe_legacy_frame_clear_bytes(legacy_codec(kind), frame, frame_len);
        return clear < frame_len ? clear : frame_len;
    }
    case PEER__E2EE_NONE:
        return frame_len;
    }
    return 0;
}

sframe_err_t peer__e2ee_sframe_header_len(const uint8_t *frame, size_t frame_len,
                                          size_t *header_len)
{
    if (frame == NULL || header_len == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    sframe_header_t header;
    return sframe_header_decode(frame, frame_len, &header, header_len);
}

size_t peer__e2ee_max_overhead(peer__e2ee_scheme_t scheme, sframe_suite_t suite)
{
    switch (scheme) {
    case PEER__E2EE_SFRAME:
        return sframe_max_overhead(suite);
    case PEER__E2EE_INSERTABLE_LEGACY:
        return SFRAME_LEGACY_MAX_OVERHEAD;
    case PEER__E2EE_NONE:
        return 0;
    }
    return 0;
}

sframe_err_t peer__e2ee_ratchet_key(peer__e2ee_scheme_t scheme, sframe_suite_t suite,
                                    sframe_legacy_variant_t variant, const uint8_t *key,
                                    size_t key_len, uint8_t *out, size_t *out_len)
{
    if (key == NULL || key_len == 0 || out == NULL || out_len == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (scheme == PEER__E2EE_SFRAME) {
        const sframe_suite_info_t *info = sframe_suite_info(suite);
        if (info == NULL || info->nh > RATCHET_OUT_MAX) {
            return SFRAME_ERR_UNKNOWN_SUITE;
        }
        sframe_err_t err = sframe_ratchet_base_key(suite, key, key_len, out);
        *out_len = err == SFRAME_OK ? info->nh : 0;
        return err;
    }
    if (scheme == PEER__E2EE_INSERTABLE_LEGACY) {
        sframe_err_t err = sframe_legacy_ratchet(variant, key, key_len, out);
        *out_len = err == SFRAME_OK ? SFRAME_LEGACY_RATCHET_LEN : 0;
        return err;
    }
    return SFRAME_ERR_INVALID_ARG;
}

/* --- Sender -------------------------------------------------------------------- */

struct peer__e2ee_sender {
    peer__e2ee_sender_config_t config;
    sframe_sender_t *sframe;        /* SFRAME, once a key is set */
    sframe_legacy_sender_t *legacy; /* INSERTABLE_LEGACY, from creation */
    bool has_key;
    uint64_t frames;
    /* Test modes: the counter XOR_CONSTANT writes, and for CTR_REUSE the
     * current base key and the AEAD key and salt of the current KID. */
    uint64_t test_ctr;
    uint8_t base_key[RATCHET_OUT_MAX];
    size_t base_key_len;
    uint8_t reuse_key[SUITE_KEY_MAX];
    uint8_t reuse_salt[SUITE_NONCE_MAX];
};

peer__e2ee_sender_config_t peer__e2ee_sender_config_default(peer__e2ee_scheme_t scheme)
{
    return (peer__e2ee_sender_config_t){
        .scheme = scheme,
        .suite = DEFAULT_SUITE,
        .legacy_variant = SFRAME_LEGACY_JITSI,
        .legacy_first_send_count = 0,
        .sender_id = 0,
        .stream = 0,
        .test_mode = PEER__E2EE_TEST_OFF,
    };
}

sframe_err_t peer__e2ee_sender_new(const peer__e2ee_sender_config_t *config,
                                   peer__e2ee_sender_t **out)
{
    if (config == NULL || out == NULL || !scheme_valid(config->scheme) ||
        config->stream >= PEER__E2EE_MAX_STREAMS ||
        !test_mode_valid(config->scheme, config->test_mode)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    *out = NULL;
    sframe_err_t err = SFRAME_OK;
    if (config->scheme == PEER__E2EE_SFRAME) {
        /* Fail at creation, not at the first key, for a bad suite. */
        err = sframe_suite_self_test(config->suite);
        if (err != SFRAME_OK) {
            return err;
        }
    }
    peer__e2ee_sender_t *sender = calloc(1, sizeof(*sender));
    if (sender == NULL) {
        return SFRAME_ERR_NO_MEMORY;
    }
    sender->config = *config;
    if (config->scheme == PEER__E2EE_INSERTABLE_LEGACY) {
        sframe_legacy_sender_config_t legacy =
            sframe_legacy_sender_config_default(config->legacy_variant);
        legacy.first_send_count = config->legacy_first_send_count;
        err = sframe_legacy_sender_new(&legacy, &sender->legacy);
        if (err != SFRAME_OK) {
            goto fail;
        }
    }
    *out = sender;
    return SFRAME_OK;

fail:
    peer__e2ee_sender_free(sender);
    return err;
}

void peer__e2ee_sender_free(peer__e2ee_sender_t *sender)
{
    if (sender == NULL) {
        return;
    }
    sframe_sender_free(sender->sframe);
    sframe_legacy_sender_free(sender->legacy);
    OPENSSL_cleanse(sender, sizeof(*sender));
    free(sender);
}

/* CTR_REUSE: the AEAD key and salt of the sender's current KID. */
static sframe_err_t reuse_derive(peer__e2ee_sender_t *sender)
{
    return sframe_derive_key_salt(sender->config.suite, sender->base_key, sender->base_key_len,
                                  sframe_sender_kid(sender->sframe), sender->reuse_key,
                                  sender->reuse_salt);
}

/* The test modes keep the base key (CTR_REUSE derives from it). */
static sframe_err_t test_mode_keyed(peer__e2ee_sender_t *sender, const uint8_t *base_key,
                                    size_t base_key_len)
{
    sender->test_ctr = 0;
    if (sender->config.test_mode != PEER__E2EE_TEST_CTR_REUSE) {
        return SFRAME_OK;
    }
    if (base_key_len > sizeof(sender->base_key)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    OPENSSL_cleanse(sender->base_key, sizeof(sender->base_key));
    memcpy(sender->base_key, base_key, base_key_len);
    sender->base_key_len = base_key_len;
    return reuse_derive(sender);
}

sframe_err_t peer__e2ee_sender_set_key(peer__e2ee_sender_t *sender, uint64_t epoch,
                                       const uint8_t *base_key, size_t base_key_len)
{
    if (sender == NULL || base_key == NULL || base_key_len == 0) {
        return SFRAME_ERR_INVALID_ARG;
    }
    sframe_err_t err = SFRAME_OK;
    switch (sender->config.scheme) {
    case PEER__E2EE_SFRAME: {
        if (sender->config.test_mode == PEER__E2EE_TEST_CTR_REUSE &&
            base_key_len > sizeof(sender->base_key)) {
            return SFRAME_ERR_INVALID_ARG;
        }
        sframe_sender_config_t sc = sframe_sender_config_default(sender->config.suite);
        sc.ratchet_bits = PEER__E2EE_RATCHET_BITS;
        err = peer__e2ee_kid(sender->config.sender_id, sender->config.stream, epoch, 0, &sc.kid);
        if (err != SFRAME_OK) {
            return err;
        }
        sframe_sender_t *next = NULL;
        err = sframe_sender_new(&sc, base_key, base_key_len, &next);
        if (err != SFRAME_OK) {
            return err;
        }
        sframe_sender_free(sender->sframe);
        sender->sframe = next;
        err = test_mode_keyed(sender, base_key, base_key_len);
        if (err != SFRAME_OK) {
            return err;
        }
        break;
    }
    case PEER__E2EE_INSERTABLE_LEGACY:
        err = sframe_legacy_sender_set_key(sender->legacy, (unsigned)(epoch % LEGACY_KEY_INDEXES),
                                           base_key, base_key_len);
        if (err != SFRAME_OK) {
            return err;
        }
        break;
    case PEER__E2EE_NONE:
        break;
    }
    sender->has_key = true;
    return SFRAME_OK;
}

sframe_err_t peer__e2ee_sender_ratchet(peer__e2ee_sender_t *sender)
{
    if (sender == NULL || sender->config.scheme == PEER__E2EE_NONE) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (!sender->has_key) {
        return SFRAME_ERR_UNKNOWN_KID;
    }
    if (sender->config.scheme != PEER__E2EE_SFRAME) {
        return sframe_legacy_sender_ratchet(sender->legacy);
    }
    sframe_err_t err = sframe_sender_ratchet(sender->sframe);
    if (err != SFRAME_OK) {
        return err;
    }
    sender->test_ctr = 0;
    if (sender->config.test_mode == PEER__E2EE_TEST_CTR_REUSE) {
        size_t len = 0;
        err = peer__e2ee_ratchet_key(PEER__E2EE_SFRAME, sender->config.suite,
                                     sender->config.legacy_variant, sender->base_key,
                                     sender->base_key_len, sender->base_key, &len);
        if (err == SFRAME_OK) {
            sender->base_key_len = len;
            err = reuse_derive(sender);
        }
    }
    return err;
}

/* XOR_CONSTANT: header (KID, own counter), then the XORed frame. */
static sframe_err_t protect_xor(peer__e2ee_sender_t *sender, const uint8_t *frame, size_t frame_len,
                                uint8_t *out, size_t cap, size_t *out_len)
{
    size_t header_len = 0;
    sframe_err_t err = sframe_header_encode(sframe_sender_kid(sender->sframe), sender->test_ctr,
                                            out, cap, &header_len);
    if (err != SFRAME_OK) {
        return err;
    }
    if (cap - header_len < frame_len) {
        return SFRAME_ERR_NO_SPACE;
    }
    xor_pattern(frame, frame_len, out + header_len);
    sender->test_ctr++;
    *out_len = header_len + frame_len;
    return SFRAME_OK;
}

/* CTR_REUSE: RFC 9605 encryption with counter 0 every time, so the nonce
 * is the salt itself (section 4.4.3: salt XOR counter). */
static sframe_err_t protect_ctr_reuse(peer__e2ee_sender_t *sender, const uint8_t *frame,
                                      size_t frame_len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t header_len = 0;
    sframe_err_t err =
        sframe_header_encode(sframe_sender_kid(sender->sframe), 0, out, cap, &header_len);
    if (err != SFRAME_OK) {
        return err;
    }
    size_t body_len = 0;
    err = sframe_aead_encrypt(sender->config.suite, sender->reuse_key, sender->reuse_salt, out,
                              header_len, frame, frame_len, out + header_len, cap - header_len,
                              &body_len);
    if (err == SFRAME_OK) {
        *out_len = header_len + body_len;
    }
    return err;
}

/* HALF_CLEAR: the real SFrame of the second half, with the first half
 * inserted in clear right after the header. */
static sframe_err_t protect_half_clear(peer__e2ee_sender_t *sender, const uint8_t *frame,
                                       size_t frame_len, uint8_t *out, size_t cap, size_t *out_len)
{
    const sframe_suite_info_t *info = sframe_suite_info(sender->config.suite);
    size_t half = frame_len / 2;
    size_t header_len = sframe_header_size(sframe_sender_kid(sender->sframe),
                                           sframe_sender_next_ctr(sender->sframe));
    if (info == NULL || cap < header_len + frame_len + info->nt) {
        return SFRAME_ERR_NO_SPACE;
    }
    size_t sealed = 0;
    sframe_err_t err = sframe_sender_protect(sender->sframe, NULL, 0, frame + half,
                                             frame_len - half, out, cap, &sealed);
    if (err != SFRAME_OK) {
        return err;
    }
    memmove(out + header_len + half, out + header_len, sealed - header_len);
    memcpy(out + header_len, frame, half);
    *out_len = sealed + half;
    return SFRAME_OK;
}

static sframe_err_t protect_sframe(peer__e2ee_sender_t *sender, const uint8_t *frame,
                                   size_t frame_len, uint8_t *out, size_t cap, size_t *out_len)
{
    switch (sender->config.test_mode) {
    case PEER__E2EE_TEST_XOR_CONSTANT:
        return protect_xor(sender, frame, frame_len, out, cap, out_len);
    case PEER__E2EE_TEST_CTR_REUSE:
        return protect_ctr_reuse(sender, frame, frame_len, out, cap, out_len);
    case PEER__E2EE_TEST_HALF_CLEAR:
        return protect_half_clear(sender, frame, frame_len, out, cap, out_len);
    case PEER__E2EE_TEST_OFF:
        break;
    }
    return sframe_sender_protect(sender->sframe, NULL, 0, frame, frame_len, out, cap, out_len);
}

sframe_err_t peer__e2ee_sender_protect(peer__e2ee_sender_t *sender, const uint8_t *frame,
                                       size_t frame_len, peer__e2ee_kind_t kind, bool keyframe,
                                       uint32_t ssrc, uint32_t rtp_ts, uint8_t *out, size_t cap,
                                       size_t *out_len)
{
    if (sender == NULL || frame == NULL || frame_len == 0 || out == NULL || out_len == NULL ||
        !kind_valid(kind) || ranges_overlap(frame, frame_len, out, cap)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    *out_len = 0;
    sframe_err_t err = SFRAME_OK;
    switch (sender->config.scheme) {
    case PEER__E2EE_NONE:
        if (cap < frame_len) {
            return SFRAME_ERR_NO_SPACE;
        }
        memcpy(out, frame, frame_len);
        *out_len = frame_len;
        break;
    case PEER__E2EE_SFRAME:
        if (!sender->has_key) {
            return SFRAME_ERR_UNKNOWN_KID;
        }
        err = protect_sframe(sender, frame, frame_len, out, cap, out_len);
        break;
    case PEER__E2EE_INSERTABLE_LEGACY: {
        /* The receiver (and the SFU) find the prefix from the P bit, so a
         * caller flag that disagrees would make an undecryptable frame. */
        if (kind == PEER__E2EE_VIDEO_VP8 && sframe_legacy_vp8_is_keyframe(frame[0]) != keyframe) {
            return SFRAME_ERR_INVALID_ARG;
        }
        size_t clear = sframe_legacy_clear_bytes(legacy_codec(kind), keyframe);
        err = sframe_legacy_sender_protect_prefix(sender->legacy, clear, ssrc, rtp_ts, frame,
                                                  frame_len, out, cap, out_len);
        break;
    }
    }
    if (err == SFRAME_OK) {
        sender->frames++;
    }
    return err;
}

uint64_t peer__e2ee_sender_kid(const peer__e2ee_sender_t *sender)
{
    return sender != NULL && sender->sframe != NULL ? sframe_sender_kid(sender->sframe) : 0;
}

uint64_t peer__e2ee_sender_frames(const peer__e2ee_sender_t *sender)
{
    return sender != NULL ? sender->frames : 0;
}

/* --- Receiver ------------------------------------------------------------------ */

typedef struct live_epoch {
    bool used;
    bool expiring; /* the previous epoch: removed at deadline_us */
    uint64_t epoch;
    uint64_t deadline_us;
} live_epoch_t;

typedef struct held_frame {
    struct held_frame *next;
    uint64_t tag;
    uint64_t since_us;
    peer__e2ee_kind_t kind;
    unsigned epoch_mod;
    size_t len;
    uint8_t bytes[];
} held_frame_t;

struct peer__e2ee_receiver {
    peer__e2ee_receiver_config_t config;
    sframe_receiver_t *sframe;
    sframe_legacy_receiver_t *legacy;
    live_epoch_t epochs[LIVE_EPOCHS];
    bool any_epoch; /* an epoch was added */
    uint64_t newest_epoch;
    held_frame_t *held_head, *held_tail;
    size_t held_bytes;
    peer__e2ee_receiver_stats_t stats;
    uint64_t last_epoch;
    /* HALF_CLEAR: the SFrame without its clear half, grown on demand. */
    uint8_t *scratch;
    size_t scratch_cap;
};

/* Outcome of one decrypt attempt; MISSING is internal (no key installed). */
typedef enum attempt {
    ATTEMPT_DONE,
    ATTEMPT_MISSING,
} attempt_t;

peer__e2ee_receiver_config_t peer__e2ee_receiver_config_default(peer__e2ee_scheme_t scheme)
{
    return (peer__e2ee_receiver_config_t){
        .scheme = scheme,
        .suite = DEFAULT_SUITE,
        .legacy_variant = SFRAME_LEGACY_JITSI,
        .sender_id = 0,
        .streams = DEFAULT_STREAMS,
        .replay_window = 128,
        .max_ratchet_ahead = 8,
        .grace_ms = DEFAULT_GRACE_MS,
        .hold_ms = DEFAULT_HOLD_MS,
        .max_held_frames = DEFAULT_HELD_FRAMES,
        .max_held_bytes = DEFAULT_HELD_BYTES,
        .test_mode = PEER__E2EE_TEST_OFF,
    };
}

sframe_err_t peer__e2ee_receiver_new(const peer__e2ee_receiver_config_t *config,
                                     peer__e2ee_receiver_t **out)
{
    if (config == NULL || out == NULL || !scheme_valid(config->scheme) || config->streams == 0 ||
        config->streams > PEER__E2EE_MAX_STREAMS || config->max_held_frames == 0 ||
        !test_mode_valid(config->scheme, config->test_mode)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    *out = NULL;
    peer__e2ee_receiver_t *receiver = calloc(1, sizeof(*receiver));
    if (receiver == NULL) {
        return SFRAME_ERR_NO_MEMORY;
    }
    receiver->config = *config;
    sframe_err_t err = SFRAME_OK;
    if (config->scheme == PEER__E2EE_SFRAME) {
        sframe_receiver_config_t rc = sframe_receiver_config_default(config->suite);
        /* Two live epochs, plus one being installed before the oldest goes. */
        rc.max_keys = (LIVE_EPOCHS + 1u) * config->streams;
        /* CTR_REUSE repeats counter 0: only no window at all accepts it. */
        rc.replay_window =
            config->test_mode == PEER__E2EE_TEST_CTR_REUSE ? 0 : config->replay_window;
        rc.ratchet_bits = PEER__E2EE_RATCHET_BITS;
        rc.max_ratchet_ahead = config->max_ratchet_ahead;
        err = sframe_receiver_new(&rc, &receiver->sframe);
    } else if (config->scheme == PEER__E2EE_INSERTABLE_LEGACY) {
        sframe_legacy_receiver_config_t lc =
            sframe_legacy_receiver_config_default(config->legacy_variant);
        err = sframe_legacy_receiver_new(&lc, &receiver->legacy);
    }
    if (err != SFRAME_OK) {
        goto fail;
    }
    *out = receiver;
    return SFRAME_OK;

fail:
    peer__e2ee_receiver_free(receiver);
    return err;
}

void peer__e2ee_receiver_free(peer__e2ee_receiver_t *receiver)
{
    if (receiver == NULL) {
        return;
    }
    held_frame_t *held = receiver->held_head;
    while (held != NULL) {
        held_frame_t *next = held->next;
        free(held);
        held = next;
    }
    sframe_receiver_free(receiver->sframe);
    sframe_legacy_receiver_free(receiver->legacy);
    free(receiver->scratch);
    free(receiver);
}

static unsigned epoch_bits(const peer__e2ee_receiver_t *receiver)
{
    return receiver->config.scheme == PEER__E2EE_SFRAME ? PEER__E2EE_EPOCH_BITS
                                                        : PEER__E2EE_LEGACY_EPOCH_BITS;
}

static unsigned epoch_mod(const peer__e2ee_receiver_t *receiver, uint64_t epoch)
{
    return (unsigned)(epoch & ((UINT64_C(1) << epoch_bits(receiver)) - 1));
}

/* Whether a frame's epoch residue names an epoch after every one added,
 * i.e. one whose key may still come (serial-number comparison). */
static bool epoch_is_future(const peer__e2ee_receiver_t *receiver, unsigned frame_epoch_mod)
{
    if (!receiver->any_epoch) {
        return true;
    }
    unsigned modulus = 1u << epoch_bits(receiver);
    unsigned diff = (frame_epoch_mod - epoch_mod(receiver, receiver->newest_epoch)) & (modulus - 1);
    return diff != 0 && diff < modulus / 2;
}

static live_epoch_t *live_by_mod(peer__e2ee_receiver_t *receiver, unsigned frame_epoch_mod)
{
    for (unsigned i = 0; i < LIVE_EPOCHS; i++) {
        live_epoch_t *live = &receiver->epochs[i];
        if (live->used && epoch_mod(receiver, live->epoch) == frame_epoch_mod) {
            return live;
        }
    }
    return NULL;
}

static live_epoch_t *live_by_epoch(peer__e2ee_receiver_t *receiver, uint64_t epoch)
{
    for (unsigned i = 0; i < LIVE_EPOCHS; i++) {
        if (receiver->epochs[i].used && receiver->epochs[i].epoch == epoch) {
            return &receiver->epochs[i];
        }
    }
    return NULL;
}

/* Removes an epoch's keys from the sframe/ contexts; they were installed. */
static void uninstall_keys(peer__e2ee_receiver_t *receiver, uint64_t epoch, unsigned streams)
{
    if (receiver->config.scheme == PEER__E2EE_SFRAME) {
        for (unsigned stream = 0; stream < streams; stream++) {
            uint64_t kid = 0;
            if (peer__e2ee_kid(receiver->config.sender_id, stream, epoch, 0, &kid) == SFRAME_OK) {
                (void)sframe_receiver_remove_key(receiver->sframe, kid);
            }
        }
    } else if (receiver->config.scheme == PEER__E2EE_INSERTABLE_LEGACY) {
        (void)sframe_legacy_receiver_remove_key(receiver->legacy,
                                                (unsigned)(epoch % LEGACY_KEY_INDEXES));
    }
}

static void live_remove(peer__e2ee_receiver_t *receiver, live_epoch_t *live)
{
    uninstall_keys(receiver, live->epoch, receiver->config.streams);
    *live = (live_epoch_t){ 0 };
}

static void expire_epochs(peer__e2ee_receiver_t *receiver, uint64_t now_us)
{
    for (unsigned i = 0; i < LIVE_EPOCHS; i++) {
        live_epoch_t *live = &receiver->epochs[i];
        if (live->used && live->expiring && now_us >= live->deadline_us) {
            live_remove(receiver, live);
        }
    }
}

static sframe_err_t install_keys(peer__e2ee_receiver_t *receiver, uint64_t epoch, uint64_t step,
                                 const uint8_t *base_key, size_t base_key_len)
{
    if (receiver->config.scheme == PEER__E2EE_INSERTABLE_LEGACY) {
        return sframe_legacy_receiver_set_key(
            receiver->legacy, (unsigned)(epoch % LEGACY_KEY_INDEXES), base_key, base_key_len);
    }
    for (unsigned stream = 0; stream < receiver->config.streams; stream++) {
        uint64_t kid = 0;
        sframe_err_t err = peer__e2ee_kid(receiver->config.sender_id, stream, epoch, step, &kid);
        if (err == SFRAME_OK) {
            err = sframe_receiver_add_key(receiver->sframe, kid, base_key, base_key_len);
        }
        if (err != SFRAME_OK) {
            uninstall_keys(receiver, epoch, stream);
            return err;
        }
    }
    return SFRAME_OK;
}

sframe_err_t peer__e2ee_receiver_add_key(peer__e2ee_receiver_t *receiver, uint64_t epoch,
                                         uint64_t step, const uint8_t *base_key,
                                         size_t base_key_len, uint64_t now_us)
{
    if (receiver == NULL || base_key == NULL || base_key_len == 0 ||
        step >= (UINT64_C(1) << PEER__E2EE_RATCHET_BITS)) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (receiver->config.scheme == PEER__E2EE_NONE) {
        return SFRAME_OK;
    }
    expire_epochs(receiver, now_us);
    if (receiver->any_epoch && epoch < receiver->newest_epoch) {
        return SFRAME_ERR_INVALID_ARG;
    }
    if (live_by_epoch(receiver, epoch) != NULL) {
        return SFRAME_ERR_KEY_EXISTS;
    }
    /* An epoch with the same residue would be ambiguous (and, for legacy,
     * share the key index): the new epoch supersedes it at once. */
    live_epoch_t *same = live_by_mod(receiver, epoch_mod(receiver, epoch));
    if (same != NULL) {
        live_remove(receiver, same);
    }
    sframe_err_t err = install_keys(receiver, epoch, step, base_key, base_key_len);
    if (err != SFRAME_OK) {
        return err;
    }
    bool newer = !receiver->any_epoch || epoch > receiver->newest_epoch;
    live_epoch_t *slot = NULL;
    for (unsigned i = 0; i < LIVE_EPOCHS; i++) {
        live_epoch_t *live = &receiver->epochs[i];
        if (newer && live->used && live->expiring) {
            live_remove(receiver, live); /* older than the previous epoch */
        } else if (newer && live->used) {
            live->expiring = true;
            live->deadline_us = now_us + (uint64_t)receiver->config.grace_ms * MS;
        }
    }
    for (unsigned i = 0; i < LIVE_EPOCHS && slot == NULL; i++) {
        if (!receiver->epochs[i].used) {
            slot = &receiver->epochs[i];
        }
    }
    /* Not newer means the newest was removed and comes back; the only other
     * live epoch is then the previous one, so a slot is free either way. */
    if (slot == NULL) {
        uninstall_keys(receiver, epoch, receiver->config.streams);
        return SFRAME_ERR_RING_FULL;
    }
    *slot = (live_epoch_t){ .used = true, .epoch = epoch };
    receiver->any_epoch = true;
    if (newer) {
        receiver->newest_epoch = epoch;
    }
    return SFRAME_OK;
}

sframe_err_t peer__e2ee_receiver_remove_key(peer__e2ee_receiver_t *receiver, uint64_t epoch)
{
    if (receiver == NULL) {
        return SFRAME_ERR_INVALID_ARG;
    }
    live_epoch_t *live = live_by_epoch(receiver, epoch);
    if (live == NULL) {
        return SFRAME_ERR_UNKNOWN_KID;
    }
    live_remove(receiver, live);
    return SFRAME_OK;
}

bool peer__e2ee_receiver_has_epoch(peer__e2ee_receiver_t *receiver, uint64_t epoch, uint64_t now_us)
{
    if (receiver == NULL) {
        return false;
    }
    expire_epochs(receiver, now_us);
    return live_by_epoch(receiver, epoch) != NULL;
}

static peer__e2ee_result_t map_sframe_err(sframe_err_t err)
{
    switch (err) {
    case SFRAME_OK:
        return PEER__E2EE_DECRYPTED;
    case SFRAME_ERR_AUTH:
        return PEER__E2EE_AUTH_FAILED;
    case SFRAME_ERR_REPLAY:
        return PEER__E2EE_REPLAY;
    case SFRAME_ERR_RATCHET: /* a step behind the key (a newcomer) or too far ahead */
    case SFRAME_ERR_UNKNOWN_KID:
        return PEER__E2EE_UNKNOWN_KEY;
    case SFRAME_ERR_TRUNCATED:
    case SFRAME_ERR_MALFORMED:
        return PEER__E2EE_MALFORMED;
    default:
        return PEER__E2EE_ERROR;
    }
}

/* HALF_CLEAR: header || clear half || ciphertext || tag. The SFrame is
 * rebuilt without the clear half in the scratch buffer, opened into the
 * second half of out, and the clear half put in front. */
static peer__e2ee_result_t unprotect_half_clear(peer__e2ee_receiver_t *receiver,
                                                const uint8_t *frame, size_t frame_len,
                                                size_t header_len, uint8_t *out, size_t cap,
                                                size_t *out_len)
{
    const sframe_suite_info_t *info = sframe_suite_info(receiver->config.suite);
    if (info == NULL || frame_len - header_len < info->nt) {
        return PEER__E2EE_MALFORMED;
    }
    size_t half = (frame_len - header_len - info->nt) / 2;
    size_t sealed_len = frame_len - half;
    if (cap < frame_len - header_len - info->nt) {
        return PEER__E2EE_ERROR;
    }
    if (receiver->scratch_cap < sealed_len) {
        uint8_t *grown = realloc(receiver->scratch, sealed_len);
        if (grown == NULL) {
            return PEER__E2EE_ERROR;
        }
        receiver->scratch = grown;
        receiver->scratch_cap = sealed_len;
    }
    memcpy(receiver->scratch, frame, header_len);
    memcpy(receiver->scratch + header_len, frame + header_len + half,
           frame_len - header_len - half);
    size_t opened = 0;
    peer__e2ee_result_t result = map_sframe_err(
        sframe_receiver_unprotect(receiver->sframe, NULL, 0, receiver->scratch, sealed_len,
                                  out + half, cap - half, &opened, NULL));
    if (result == PEER__E2EE_DECRYPTED) {
        memcpy(out, frame + header_len, half);
        *out_len = half + opened;
    }
    return result;
}

/* Opens an SFRAME frame whose KID names a live epoch, by test mode. */
static peer__e2ee_result_t unprotect_sframe(peer__e2ee_receiver_t *receiver, const uint8_t *frame,
                                            size_t frame_len, size_t header_len, uint8_t *out,
                                            size_t cap, size_t *out_len)
{
    switch (receiver->config.test_mode) {
    case PEER__E2EE_TEST_XOR_CONSTANT:
        if (cap < frame_len - header_len) {
            return PEER__E2EE_ERROR;
        }
        xor_pattern(frame + header_len, frame_len - header_len, out);
        *out_len = frame_len - header_len;
        return PEER__E2EE_DECRYPTED;
    case PEER__E2EE_TEST_HALF_CLEAR:
        return unprotect_half_clear(receiver, frame, frame_len, header_len, out, cap, out_len);
    case PEER__E2EE_TEST_CTR_REUSE:
    case PEER__E2EE_TEST_OFF:
        break;
    }
    return map_sframe_err(sframe_receiver_unprotect(receiver->sframe, NULL, 0, frame, frame_len,
                                                    out, cap, out_len, NULL));
}

/* One decrypt attempt. ATTEMPT_MISSING: no key for the frame's epoch
 * (residue in *frame_epoch_mod); otherwise *result says what happened. */
static attempt_t try_decrypt(peer__e2ee_receiver_t *receiver, peer__e2ee_kind_t kind,
                             const uint8_t *frame, size_t frame_len, uint8_t *out, size_t cap,
                             size_t *out_len, unsigned *frame_epoch_mod,
                             peer__e2ee_result_t *result)
{
    *out_len = 0;
    if (receiver->config.scheme == PEER__E2EE_SFRAME) {
        sframe_header_t header;
        size_t header_len = 0;
        peer__e2ee_kid_fields_t fields;
        if (sframe_header_decode(frame, frame_len, &header, &header_len) != SFRAME_OK ||
            !peer__e2ee_kid_decode(header.kid, &fields) ||
            fields.sender_id != receiver->config.sender_id ||
            fields.stream >= receiver->config.streams) {
            *result = PEER__E2EE_MALFORMED;
            return ATTEMPT_DONE;
        }
        *frame_epoch_mod = fields.epoch_mod;
        const live_epoch_t *live = live_by_mod(receiver, fields.epoch_mod);
        if (live == NULL) {
            return ATTEMPT_MISSING;
        }
        *result = unprotect_sframe(receiver, frame, frame_len, header_len, out, cap, out_len);
        if (*result == PEER__E2EE_DECRYPTED) {
            receiver->last_epoch = live->epoch;
        }
        return ATTEMPT_DONE;
    }
    /* Legacy: the key index is the trailer's last byte. */
    unsigned key_index = frame[frame_len - 1];
    if (frame_len < SFRAME_LEGACY_MAX_OVERHEAD || key_index >= LEGACY_KEY_INDEXES) {
        *result = PEER__E2EE_MALFORMED;
        return ATTEMPT_DONE;
    }
    *frame_epoch_mod = key_index;
    const live_epoch_t *live = live_by_mod(receiver, key_index);
    if (live == NULL) {
        return ATTEMPT_MISSING;
    }
    *result = map_sframe_err(sframe_legacy_receiver_unprotect(
        receiver->legacy, legacy_codec(kind), frame, frame_len, out, cap, out_len, NULL));
    if (*result == PEER__E2EE_DECRYPTED) {
        receiver->last_epoch = live->epoch;
    }
    return ATTEMPT_DONE;
}

static void count_result(peer__e2ee_receiver_t *receiver, peer__e2ee_result_t result)
{
    peer__e2ee_receiver_stats_t *stats = &receiver->stats;
    switch (result) {
    case PEER__E2EE_DECRYPTED:
        stats->decrypted++;
        break;
    case PEER__E2EE_AUTH_FAILED:
        stats->auth_failures++;
        break;
    case PEER__E2EE_UNKNOWN_KEY:
        stats->unknown_key++;
        break;
    case PEER__E2EE_REPLAY:
        stats->replays++;
        break;
    case PEER__E2EE_MALFORMED:
        stats->malformed++;
        break;
    case PEER__E2EE_HELD:
        stats->held++;
        stats->held_now++;
        break;
    case PEER__E2EE_HOLD_FULL:
        stats->hold_full++;
        break;
    case PEER__E2EE_EXPIRED:
        stats->held_expired++;
        break;
    case PEER__E2EE_ERROR:
    case PEER__E2EE_NOTHING:
    case PEER__E2EE_RESULT__COUNT:
        break;
    }
}

static peer__e2ee_result_t hold(peer__e2ee_receiver_t *receiver, peer__e2ee_kind_t kind,
                                const uint8_t *frame, size_t frame_len, unsigned frame_epoch_mod,
                                uint64_t tag, uint64_t now_us)
{
    if (receiver->stats.held_now >= receiver->config.max_held_frames ||
        frame_len > receiver->config.max_held_bytes - receiver->held_bytes) {
        return PEER__E2EE_HOLD_FULL;
    }
    held_frame_t *held = malloc(sizeof(*held) + frame_len);
    if (held == NULL) {
        return PEER__E2EE_ERROR;
    }
    *held = (held_frame_t){
        .tag = tag, .since_us = now_us, .kind = kind, .epoch_mod = frame_epoch_mod, .len = frame_len
    };
    memcpy(held->bytes, frame, frame_len);
    if (receiver->held_tail != NULL) {
        receiver->held_tail->next = held;
    } else {
        receiver->held_head = held;
    }
    receiver->held_tail = held;
    receiver->held_bytes += frame_len;
    return PEER__E2EE_HELD;
}

peer__e2ee_result_t peer__e2ee_receiver_unprotect(peer__e2ee_receiver_t *receiver,
                                                  peer__e2ee_kind_t kind, const uint8_t *frame,
                                                  size_t frame_len, uint64_t tag, uint64_t now_us,
                                                  uint8_t *out, size_t cap, size_t *out_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (receiver == NULL || frame == NULL || frame_len == 0 || out == NULL || out_len == NULL ||
        !kind_valid(kind) || ranges_overlap(frame, frame_len, out, cap)) {
        return PEER__E2EE_ERROR;
    }
    peer__e2ee_result_t result = PEER__E2EE_ERROR;
    if (receiver->config.scheme == PEER__E2EE_NONE) {
        if (cap >= frame_len) {
            memcpy(out, frame, frame_len);
            *out_len = frame_len;
            result = PEER__E2EE_DECRYPTED;
        }
        count_result(receiver, result);
        return result;
    }
    expire_epochs(receiver, now_us);
    unsigned frame_epoch_mod = 0;
    if (try_decrypt(receiver, kind, frame, frame_len, out, cap, out_len, &frame_epoch_mod,
                    &result) == ATTEMPT_MISSING) {
        result = epoch_is_future(receiver, frame_epoch_mod)
                     ? hold(receiver, kind, frame, frame_len, frame_epoch_mod, tag, now_us)
                     : PEER__E2EE_UNKNOWN_KEY;
    }
    count_result(receiver, result);
    return result;
}

/* Takes `held` (preceded by `prev`, or the head) out of the queue. */
static void unlink_held(peer__e2ee_receiver_t *receiver, held_frame_t *prev, held_frame_t *held)
{
    if (prev != NULL) {
        prev->next = held->next;
    } else {
        receiver->held_head = held->next;
    }
    if (receiver->held_tail == held) {
        receiver->held_tail = prev;
    }
    receiver->held_bytes -= held->len;
    receiver->stats.held_now--;
}

peer__e2ee_result_t peer__e2ee_receiver_poll(peer__e2ee_receiver_t *receiver, uint64_t now_us,
                                             peer__e2ee_released_t *released, uint8_t *out,
                                             size_t cap, size_t *out_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (receiver == NULL || released == NULL || out == NULL || out_len == NULL) {
        return PEER__E2EE_ERROR;
    }
    expire_epochs(receiver, now_us);
    held_frame_t *prev = NULL;
    for (held_frame_t *held = receiver->held_head; held != NULL; prev = held, held = held->next) {
        peer__e2ee_result_t result = PEER__E2EE_EXPIRED;
        if (live_by_mod(receiver, held->epoch_mod) != NULL) {
            if (cap < held->len) {
                return PEER__E2EE_ERROR;
            }
            unsigned unused_mod = 0;
            if (try_decrypt(receiver, held->kind, held->bytes, held->len, out, cap, out_len,
                            &unused_mod, &result) == ATTEMPT_MISSING) {
                result = PEER__E2EE_UNKNOWN_KEY; /* not reached: the epoch is live */
            }
        } else if (epoch_is_future(receiver, held->epoch_mod) &&
                   (now_us < held->since_us ||
                    now_us - held->since_us < (uint64_t)receiver->config.hold_ms * MS)) {
            continue; /* its key may still come */
        }
        unlink_held(receiver, prev, held);
        *released = (peer__e2ee_released_t){ .tag = held->tag,
                                             .kind = held->kind,
                                             .held_since_us = held->since_us };
        free(held);
        count_result(receiver, result);
        if (result == PEER__E2EE_DECRYPTED) {
            receiver->stats.held_then_decrypted++;
        } else if (result != PEER__E2EE_EXPIRED) {
            receiver->stats.held_then_failed++;
        }
        return result;
    }
    return PEER__E2EE_NOTHING;
}

peer__e2ee_receiver_stats_t peer__e2ee_receiver_stats(const peer__e2ee_receiver_t *receiver)
{
    return receiver != NULL ? receiver->stats : (peer__e2ee_receiver_stats_t){ 0 };
}

uint64_t peer__e2ee_receiver_last_epoch(const peer__e2ee_receiver_t *receiver)
{
    return receiver != NULL ? receiver->last_epoch : 0;
}
