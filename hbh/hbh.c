/* Hop-by-hop SRTP and SRTCP (RFC 3711) for one DTLS-SRTP transport (the
 * SFU's toward a participant, or a peer's toward the SFU) over libsrtp2:
 * the AES_CM_128_HMAC_SHA1_80 profile (RFC 3711 sections 4.1.1, 4.2 and
 * 4.3, the key derivation; RFC 5764 section 4.1.2) and AEAD_AES_128_GCM
 * (RFC 7714 sections 8, 9 and 11), plus "none", the
 * negative control that passes packets through. Keys come from the
 * DTLS-SRTP keying material of RFC 5764 section 4.2, split by the DTLS
 * role, or as explicit key || salt pairs (RFC 4568 section 6.1).
 *
 * A session is two libsrtp contexts: outbound (ssrc_any_outbound, our
 * write key, protect only) and inbound (ssrc_any_inbound, the other side's
 * write key, unprotect only), so each key encrypts or decrypts, never both.
 * libsrtp keeps per-SSRC state: the rollover counter and the replay
 * windows of RFC 3711 section 3.3.2 (SRTP) and 3.4 (SRTCP). It allocates
 * that state the first time it sees an SSRC, inbound only once a packet of
 * it authenticates. A small table per direction mirrors those SSRCs and
 * caps them at max_streams, so after warm-up (one allocation per SSRC) the
 * packet paths allocate nothing and the other side cannot grow our memory
 * without bound.
 *
 * libsrtp 2.x trusts its caller on two points this file checks first: the
 * packet is 32-bit aligned, and there is room for the trailer after it
 * (it writes the tag, and for SRTCP the E flag and index, without being
 * told the capacity). Headers are checked here too (RTP: RFC 3550 section
 * 5.1, CSRCs and extension block; RTCP: the 8 bytes SRTCP leaves in
 * clear), so malformed input never reaches libsrtp. At creation the
 * trailer lengths libsrtp reports are compared with the profile table that
 * the capacity check relies on. */
#include "hbh/hbh.h"

#include <srtp2/srtp.h>

#include <stdlib.h>
#include <string.h>
#include <threads.h>

#define RTP_FIXED_HEADER_LEN  12
#define RTCP_CLEAR_HEADER_LEN 8 /* header word and sender SSRC, never encrypted */
#define SRTCP_INDEX_LEN       4 /* E flag and 31-bit SRTCP index */
#define REPLAY_WINDOW_MIN     64u
#define REPLAY_WINDOW_MAX     32767u /* libsrtp requires < 0x8000 */
#define MAX_STREAMS_LIMIT     4096u

/* --- Profile table --------------------------------------------------------- */

typedef struct profile_row {
    hbh_profile_info_t info;
    srtp_profile_t libsrtp_profile; /* srtp_profile_reserved for none */
} profile_row_t;

static const profile_row_t profile_rows[HBH_PROFILE_COUNT] = {
    [HBH_PROFILE_NONE] =
        {
            .info = { HBH_PROFILE_NONE, "none", 0, 0, 0, 0 },
            .libsrtp_profile = srtp_profile_reserved,
        },
    [HBH_PROFILE_AES_CM_128_HMAC_SHA1_80] =
        {
            .info = { HBH_PROFILE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10,
                      10 + SRTCP_INDEX_LEN },
            .libsrtp_profile = srtp_profile_aes128_cm_sha1_80,
        },
    [HBH_PROFILE_AEAD_AES_128_GCM] =
        {
            .info = { HBH_PROFILE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16,
                      16 + SRTCP_INDEX_LEN },
            .libsrtp_profile = srtp_profile_aead_aes_128_gcm,
        },
};

static const profile_row_t *profile_row(hbh_profile_t profile)
{
    if ((unsigned)profile >= HBH_PROFILE_COUNT) {
        return NULL;
    }
    return &profile_rows[profile];
}

const hbh_profile_info_t *hbh_profile_info(hbh_profile_t profile)
{
    const profile_row_t *row = profile_row(profile);
    return row ? &row->info : NULL;
}

hbh_err_t hbh_profile_from_name(const char *name, hbh_profile_t *out)
{
    if (!name || !out) {
        return HBH_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < HBH_PROFILE_COUNT; i++) {
        if (strcmp(name, profile_rows[i].info.name) == 0) {
            *out = profile_rows[i].info.profile;
            return HBH_OK;
        }
    }
    return HBH_ERR_NOT_FOUND;
}

size_t hbh_rtp_overhead(hbh_profile_t profile)
{
    const profile_row_t *row = profile_row(profile);
    return row ? row->info.rtp_overhead : 0;
}

size_t hbh_rtcp_overhead(hbh_profile_t profile)
{
    const profile_row_t *row = profile_row(profile);
    return row ? row->info.rtcp_overhead : 0;
}

size_t hbh_material_len(hbh_profile_t profile)
{
    const profile_row_t *row = profile_row(profile);
    return row ? 2 * (row->info.key_len + row->info.salt_len) : 0;
}

/* --- Keying material (RFC 5764 section 4.2) ------------------------------ */

hbh_err_t hbh_material_split(hbh_profile_t profile, const uint8_t *material, size_t len,
                             hbh_material_t *out)
{
    if (!out) {
        return HBH_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    const profile_row_t *row = profile_row(profile);
    if (!material || !row || row->info.key_len == 0) {
        return HBH_ERR_INVALID_ARG;
    }
    if (len != hbh_material_len(profile)) {
        return HBH_ERR_MALFORMED;
    }
    size_t key_len = row->info.key_len;
    size_t salt_len = row->info.salt_len;
    /* client write key | server write key | client write salt | server write salt */
    out->client_write_key = material;
    out->server_write_key = material + key_len;
    out->client_write_salt = material + 2 * key_len;
    out->server_write_salt = material + 2 * key_len + salt_len;
    out->key_len = key_len;
    out->salt_len = salt_len;
    return HBH_OK;
}

/* --- libsrtp initialization ---------------------------------------------- */

/* libsrtp must be initialized once per process before any other call: its
 * crypto kernel (the cipher and auth type registry, checked by self-tests
 * on srtp_init) is a process-wide global of libsrtp itself, and srtp_init
 * is not safe to run concurrently. call_once runs it exactly once and
 * orders it before every later caller, from any thread. The flag and the
 * saved status are the only mutable globals of this file, and safe to
 * share: the kernel holds no keys and no per-session state (each context
 * owns its own), so sessions of different simulations cannot see each
 * other through it, and determinism is unaffected. srtp_shutdown is never
 * called: the kernel lives as long as the process, as live sessions
 * anywhere in it may still need it. */
static once_flag libsrtp_init_once = ONCE_FLAG_INIT;
static srtp_err_status_t libsrtp_init_status = srtp_err_status_init_fail;

static void libsrtp_init_run(void)
{
    libsrtp_init_status = srtp_init();
}

static hbh_err_t libsrtp_ready(void)
{
    call_once(&libsrtp_init_once, libsrtp_init_run);
    return libsrtp_init_status == srtp_err_status_ok ? HBH_OK : HBH_ERR_SRTP;
}

/* --- Sessions -------------------------------------------------------------- */

/* The SSRCs one direction has seen, in host order; capacity max_streams. */
typedef struct ssrc_table {
    uint32_t *ssrcs;
    size_t count;
    size_t capacity;
} ssrc_table_t;

struct hbh_session {
    const profile_row_t *row;
    srtp_t outbound; /* NULL for none, or when no outbound key was given */
    srtp_t inbound;
    bool has_outbound; /* the direction may be used (always both for none) */
    bool has_inbound;
    ssrc_table_t outbound_ssrcs;
    ssrc_table_t inbound_ssrcs;
    hbh_counters_t counters;
};

hbh_config_t hbh_config_default(hbh_profile_t profile)
{
    return (hbh_config_t){
        .profile = profile,
        .replay_window = 1024,
        .allow_repeat_tx = true,
        .max_streams = 32,
    };
}

static bool config_valid(const hbh_config_t *config)
{
    return profile_row(config->profile) != NULL && config->replay_window >= REPLAY_WINDOW_MIN &&
           config->replay_window <= REPLAY_WINDOW_MAX && config->max_streams >= 1 &&
           config->max_streams <= MAX_STREAMS_LIMIT;
}

static hbh_err_t map_alloc_status(srtp_err_status_t status)
{
    return status == srtp_err_status_alloc_fail ? HBH_ERR_NO_MEMORY : HBH_ERR_SRTP;
}

/* One libsrtp context for one direction, keyed with key || salt.
 * `key_salt` is the caller's scratch copy: libsrtp's policy takes a
 * non-const pointer. */
static hbh_err_t libsrtp_context_new(const profile_row_t *row, const hbh_config_t *config,
                                     bool outbound, uint8_t *key_salt, srtp_t *out)
{
    srtp_policy_t policy;
    memset(&policy, 0, sizeof(policy));
    if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, row->libsrtp_profile) !=
            srtp_err_status_ok ||
        srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, row->libsrtp_profile) !=
            srtp_err_status_ok) {
        return HBH_ERR_SRTP;
    }
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = key_salt;
    policy.window_size = config->replay_window;
    policy.allow_repeat_tx = outbound && config->allow_repeat_tx ? 1 : 0;
    policy.next = NULL;

    srtp_t ctx = NULL;
    srtp_err_status_t status = srtp_create(&ctx, &policy);
    if (status != srtp_err_status_ok) {
        return map_alloc_status(status);
    }
    /* The capacity checks below trust the table; libsrtp writes trailers
     * without knowing the capacity, so refuse to run if the two disagree. */
    uint32_t rtp_trailer = 0;
    uint32_t rtcp_trailer = 0;
    if (srtp_get_protect_trailer_length(ctx, 0, 0, &rtp_trailer) != srtp_err_status_ok ||
        srtp_get_protect_rtcp_trailer_length(ctx, 0, 0, &rtcp_trailer) != srtp_err_status_ok ||
        rtp_trailer != row->info.rtp_overhead || rtcp_trailer != row->info.rtcp_overhead) {
        srtp_dealloc(ctx);
        return HBH_ERR_SRTP;
    }
    *out = ctx;
    return HBH_OK;
}

static hbh_err_t ssrc_table_init(ssrc_table_t *table, size_t capacity)
{
    table->ssrcs = calloc(capacity, sizeof(*table->ssrcs));
    table->count = 0;
    table->capacity = capacity;
    return table->ssrcs ? HBH_OK : HBH_ERR_NO_MEMORY;
}

/* Creates the session; a NULL key leaves that direction out. For a keyed
 * profile the keys are key_len + salt_len bytes each (checked by the
 * callers). */
static hbh_err_t session_create(const hbh_config_t *config, const uint8_t *tx_key_salt,
                                const uint8_t *rx_key_salt, hbh_session_t **out)
{
    const profile_row_t *row = profile_row(config->profile);
    bool keyed = row->info.key_len > 0;
    size_t key_salt_len = row->info.key_len + row->info.salt_len;
    uint8_t scratch[HBH_MAX_KEY_LEN + HBH_MAX_SALT_LEN];
    hbh_err_t err = HBH_OK;

    if (keyed) {
        err = libsrtp_ready();
        if (err != HBH_OK) {
            return err;
        }
    }
    hbh_session_t *session = calloc(1, sizeof(*session));
    if (!session) {
        return HBH_ERR_NO_MEMORY;
    }
    session->row = row;
    session->has_outbound = !keyed || tx_key_salt != NULL;
    session->has_inbound = !keyed || rx_key_salt != NULL;
    err = ssrc_table_init(&session->outbound_ssrcs, config->max_streams);
    if (err != HBH_OK) {
        goto fail;
    }
    err = ssrc_table_init(&session->inbound_ssrcs, config->max_streams);
    if (err != HBH_OK) {
        goto fail;
    }
    if (keyed && tx_key_salt) {
        memcpy(scratch, tx_key_salt, key_salt_len);
        err = libsrtp_context_new(row, config, true, scratch, &session->outbound);
        explicit_bzero(scratch, sizeof(scratch));
        if (err != HBH_OK) {
            goto fail;
        }
    }
    if (keyed && rx_key_salt) {
        memcpy(scratch, rx_key_salt, key_salt_len);
        err = libsrtp_context_new(row, config, false, scratch, &session->inbound);
        explicit_bzero(scratch, sizeof(scratch));
        if (err != HBH_OK) {
            goto fail;
        }
    }
    *out = session;
    return HBH_OK;

fail:
    hbh_session_free(session);
    return err;
}

hbh_err_t hbh_session_new_keys(const hbh_config_t *config, const uint8_t *tx_key_salt,
                               size_t tx_len, const uint8_t *rx_key_salt, size_t rx_len,
                               hbh_session_t **out)
{
    if (!config || !out || !config_valid(config)) {
        return HBH_ERR_INVALID_ARG;
    }
    /* A pointer without a length or a length without a pointer is a bug
     * in the caller, whatever the profile. */
    if ((tx_key_salt == NULL) != (tx_len == 0) || (rx_key_salt == NULL) != (rx_len == 0)) {
        return HBH_ERR_INVALID_ARG;
    }
    const profile_row_t *row = profile_row(config->profile);
    size_t key_salt_len = row->info.key_len + row->info.salt_len;
    if (key_salt_len == 0) {
        if (tx_key_salt || rx_key_salt) {
            return HBH_ERR_INVALID_ARG;
        }
    } else {
        if (!tx_key_salt && !rx_key_salt) {
            return HBH_ERR_INVALID_ARG;
        }
        if ((tx_key_salt && tx_len != key_salt_len) || (rx_key_salt && rx_len != key_salt_len)) {
            return HBH_ERR_MALFORMED;
        }
    }
    return session_create(config, tx_key_salt, rx_key_salt, out);
}

hbh_err_t hbh_session_new(const hbh_config_t *config, hbh_role_t role, const uint8_t *material,
                          size_t material_len, hbh_session_t **out)
{
    if (!config || !out || !config_valid(config)) {
        return HBH_ERR_INVALID_ARG;
    }
    if (role != HBH_ROLE_CLIENT && role != HBH_ROLE_SERVER) {
        return HBH_ERR_INVALID_ARG;
    }
    if (config->profile == HBH_PROFILE_NONE) {
        if (material_len != 0) {
            return HBH_ERR_INVALID_ARG;
        }
        return session_create(config, NULL, NULL, out);
    }
    hbh_material_t parts;
    hbh_err_t err = hbh_material_split(config->profile, material, material_len, &parts);
    if (err != HBH_OK) {
        return err;
    }
    /* libsrtp wants each master key followed by its salt; the material
     * keeps the keys and the salts apart. */
    uint8_t client[HBH_MAX_KEY_LEN + HBH_MAX_SALT_LEN];
    uint8_t server[HBH_MAX_KEY_LEN + HBH_MAX_SALT_LEN];
    memcpy(client, parts.client_write_key, parts.key_len);
    memcpy(client + parts.key_len, parts.client_write_salt, parts.salt_len);
    memcpy(server, parts.server_write_key, parts.key_len);
    memcpy(server + parts.key_len, parts.server_write_salt, parts.salt_len);
    bool is_client = role == HBH_ROLE_CLIENT;
    err = session_create(config, is_client ? client : server, is_client ? server : client, out);
    explicit_bzero(client, sizeof(client));
    explicit_bzero(server, sizeof(server));
    return err;
}

void hbh_session_free(hbh_session_t *session)
{
    if (!session) {
        return;
    }
    /* srtp_dealloc wipes the session keys and salts libsrtp derived. */
    if (session->outbound) {
        srtp_dealloc(session->outbound);
    }
    if (session->inbound) {
        srtp_dealloc(session->inbound);
    }
    free(session->outbound_ssrcs.ssrcs);
    free(session->inbound_ssrcs.ssrcs);
    free(session);
}

hbh_profile_t hbh_session_profile(const hbh_session_t *session)
{
    return session ? session->row->info.profile : HBH_PROFILE_NONE;
}

/* --- SSRC tables ----------------------------------------------------------- */

static bool ssrc_table_contains(const ssrc_table_t *table, uint32_t ssrc)
{
    for (size_t i = 0; i < table->count; i++) {
        if (table->ssrcs[i] == ssrc) {
            return true;
        }
    }
    return false;
}

/* Called after a packet of `ssrc` succeeded: libsrtp now has state for
 * it, and the slot reserved by the check before is taken. */
static void ssrc_table_note(ssrc_table_t *table, uint32_t ssrc)
{
    if (!ssrc_table_contains(table, ssrc) && table->count < table->capacity) {
        table->ssrcs[table->count++] = ssrc;
    }
}

static bool ssrc_table_remove(ssrc_table_t *table, uint32_t ssrc)
{
    for (size_t i = 0; i < table->count; i++) {
        if (table->ssrcs[i] == ssrc) {
            table->ssrcs[i] = table->ssrcs[--table->count];
            return true;
        }
    }
    return false;
}

hbh_err_t hbh_session_remove_ssrc(hbh_session_t *session, hbh_direction_t direction, uint32_t ssrc)
{
    if (!session || (direction != HBH_OUTBOUND && direction != HBH_INBOUND)) {
        return HBH_ERR_INVALID_ARG;
    }
    bool outbound = direction == HBH_OUTBOUND;
    ssrc_table_t *table = outbound ? &session->outbound_ssrcs : &session->inbound_ssrcs;
    if (!ssrc_table_remove(table, ssrc)) {
        return HBH_ERR_UNKNOWN_SSRC;
    }
    srtp_t ctx = outbound ? session->outbound : session->inbound;
    if (ctx) {
        /* libsrtp keys its streams by the SSRC in network byte order. */
        uint8_t wire[4] = { (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16), (uint8_t)(ssrc >> 8),
                            (uint8_t)ssrc };
        uint32_t ssrc_be;
        memcpy(&ssrc_be, wire, sizeof(ssrc_be));
        srtp_err_status_t status = srtp_remove_stream(ctx, ssrc_be);
        if (status != srtp_err_status_ok) {
            return HBH_ERR_SRTP;
        }
    }
    return HBH_OK;
}

size_t hbh_session_stream_count(const hbh_session_t *session, hbh_direction_t direction)
{
    if (!session) {
        return 0;
    }
    return direction == HBH_OUTBOUND ? session->outbound_ssrcs.count : session->inbound_ssrcs.count;
}

hbh_counters_t hbh_session_counters(const hbh_session_t *session)
{
    hbh_counters_t none = { 0 };
    return session ? session->counters : none;
}

/* --- Packets --------------------------------------------------------------- */

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Length of the RTP header (RFC 3550 section 5.1 and 5.3.1): the fixed
 * part, the CSRCs and, with X set, the extension block, every field
 * checked against `len`. SRTP leaves exactly this much in clear. */
static hbh_err_t rtp_header_len(const uint8_t *packet, size_t len, size_t *header_len)
{
    if (len < RTP_FIXED_HEADER_LEN) {
        return HBH_ERR_TRUNCATED;
    }
    if (packet[0] >> 6 != 2) {
        return HBH_ERR_MALFORMED;
    }
    size_t hlen = RTP_FIXED_HEADER_LEN + 4u * (packet[0] & 0x0fu);
    if (packet[0] & 0x10u) {
        if (len < hlen + 4) {
            return HBH_ERR_TRUNCATED;
        }
        size_t words = (size_t)packet[hlen + 2] << 8 | packet[hlen + 3];
        hlen += 4 + 4 * words;
    }
    if (len < hlen) {
        return HBH_ERR_TRUNCATED;
    }
    *header_len = hlen;
    return HBH_OK;
}

/* SRTCP leaves the first 8 bytes in clear: the first RTCP header word and
 * the sender's SSRC, which selects the stream. */
static hbh_err_t rtcp_header_check(const uint8_t *packet, size_t len)
{
    if (len < RTCP_CLEAR_HEADER_LEN) {
        return HBH_ERR_TRUNCATED;
    }
    if (packet[0] >> 6 != 2) {
        return HBH_ERR_MALFORMED;
    }
    return HBH_OK;
}

typedef enum packet_kind {
    KIND_RTP,
    KIND_RTCP,
} packet_kind_t;

/* The checks every packet call makes before libsrtp sees the packet: the
 * arguments, the header, and when unprotecting room for the trailer after
 * the header. On success *ssrc is the SSRC that selects libsrtp's stream
 * (RTP: the header's; RTCP: the sender SSRC at offset 4). */
static hbh_err_t packet_precheck(hbh_session_t *session, bool outbound, packet_kind_t kind,
                                 const uint8_t *packet, size_t len, const size_t *out_len,
                                 uint32_t *ssrc)
{
    if (!session || !packet || !out_len || ((uintptr_t)packet & 3u) != 0 ||
        len > HBH_MAX_PACKET_LEN) {
        return HBH_ERR_INVALID_ARG;
    }
    if (!(outbound ? session->has_outbound : session->has_inbound)) {
        return HBH_ERR_INVALID_ARG;
    }
    size_t header_len = 0;
    size_t trailer_len = 0;
    hbh_err_t err;
    if (kind == KIND_RTP) {
        err = rtp_header_len(packet, len, &header_len);
        trailer_len = session->row->info.rtp_overhead;
    } else {
        err = rtcp_header_check(packet, len);
        header_len = RTCP_CLEAR_HEADER_LEN;
        trailer_len = session->row->info.rtcp_overhead;
    }
    if (err == HBH_OK && !outbound && len < header_len + trailer_len) {
        err = HBH_ERR_TRUNCATED;
    }
    if (err != HBH_OK) {
        session->counters.malformed++;
        return err;
    }
    *ssrc = read_u32(packet + (kind == KIND_RTP ? 8 : 4));
    return HBH_OK;
}

/* Refuses a packet of an SSRC the direction does not track yet once
 * max_streams SSRCs are tracked, before libsrtp would allocate for it. */
static hbh_err_t stream_admit(hbh_session_t *session, const ssrc_table_t *table, uint32_t ssrc)
{
    if (table->count < table->capacity || ssrc_table_contains(table, ssrc)) {
        return HBH_OK;
    }
    session->counters.stream_limit++;
    return HBH_ERR_FULL;
}

static hbh_err_t count_failure(hbh_session_t *session, srtp_err_status_t status)
{
    switch (status) {
    case srtp_err_status_auth_fail:
    /* libsrtp 2.x returns cant_check in one place: an SRTCP packet whose E
     * flag disagrees with the policy (unencrypted SRTCP where encryption
     * is required), refused before its tag is checked. It cannot be
     * authenticated under this session's policy, so it is a forgery or a
     * peer on another profile: an authentication failure. */
    case srtp_err_status_cant_check:
        session->counters.auth_failures++;
        return HBH_ERR_SRTP_AUTH;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        session->counters.replay_failures++;
        return HBH_ERR_SRTP_REPLAY;
    default:
        session->counters.other_failures++;
        return map_alloc_status(status);
    }
}

typedef srtp_err_status_t (*srtp_transform_fn)(srtp_t ctx, void *packet, int *len);

/* Runs one libsrtp transform once the packet passed every check. */
static hbh_err_t transform(hbh_session_t *session, bool outbound, srtp_transform_fn fn,
                           uint8_t *packet, size_t len, uint32_t ssrc, size_t *out_len)
{
    ssrc_table_t *table = outbound ? &session->outbound_ssrcs : &session->inbound_ssrcs;
    hbh_err_t err = stream_admit(session, table, ssrc);
    if (err != HBH_OK) {
        return err;
    }
    size_t new_len = len;
    srtp_t ctx = outbound ? session->outbound : session->inbound;
    if (ctx) {
        /* len <= HBH_MAX_PACKET_LEN, so it and the result fit an int. */
        int srtp_len = (int)len;
        srtp_err_status_t status = fn(ctx, packet, &srtp_len);
        if (status != srtp_err_status_ok) {
            return count_failure(session, status);
        }
        new_len = (size_t)srtp_len;
    }
    ssrc_table_note(table, ssrc);
    if (outbound) {
        session->counters.protected_packets++;
    } else {
        session->counters.unprotected_packets++;
    }
    *out_len = new_len;
    return HBH_OK;
}

hbh_err_t hbh_protect_rtp(hbh_session_t *session, uint8_t *packet, size_t len, size_t cap,
                          size_t *out_len)
{
    uint32_t ssrc = 0;
    hbh_err_t err = packet_precheck(session, true, KIND_RTP, packet, len, out_len, &ssrc);
    if (err != HBH_OK) {
        return err;
    }
    if (cap < len + session->row->info.rtp_overhead) {
        return HBH_ERR_NO_SPACE;
    }
    return transform(session, true, srtp_protect, packet, len, ssrc, out_len);
}

hbh_err_t hbh_unprotect_rtp(hbh_session_t *session, uint8_t *packet, size_t len, size_t *out_len)
{
    uint32_t ssrc = 0;
    hbh_err_t err = packet_precheck(session, false, KIND_RTP, packet, len, out_len, &ssrc);
    if (err != HBH_OK) {
        return err;
    }
    return transform(session, false, srtp_unprotect, packet, len, ssrc, out_len);
}

hbh_err_t hbh_protect_rtcp(hbh_session_t *session, uint8_t *packet, size_t len, size_t cap,
                           size_t *out_len)
{
    uint32_t ssrc = 0;
    hbh_err_t err = packet_precheck(session, true, KIND_RTCP, packet, len, out_len, &ssrc);
    if (err != HBH_OK) {
        return err;
    }
    if (cap < len + session->row->info.rtcp_overhead) {
        return HBH_ERR_NO_SPACE;
    }
    return transform(session, true, srtp_protect_rtcp, packet, len, ssrc, out_len);
}

hbh_err_t hbh_unprotect_rtcp(hbh_session_t *session, uint8_t *packet, size_t len, size_t *out_len)
{
    uint32_t ssrc = 0;
    hbh_err_t err = packet_precheck(session, false, KIND_RTCP, packet, len, out_len, &ssrc);
    if (err != HBH_OK) {
        return err;
    }
    return transform(session, false, srtp_unprotect_rtcp, packet, len, ssrc, out_len);
}
