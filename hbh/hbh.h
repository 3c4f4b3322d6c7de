/* hbh/hbh.h: hop-by-hop SRTP/SRTCP over libsrtp2, the one public header
 * of hbh/.
 *
 * Every transport of a call is one DTLS-SRTP association: between a peer
 * and the SFU, hop by hop. Both ends use this module: sfu/ holds one
 * session per participant, and each virtual peer in peers/ holds one
 * toward the SFU. It sits left of both in the dependency chain
 * (rtp, sframe, hbh -> sfu -> peers), and it holds only hop-by-hop keys:
 * it never sees an E2EE key and never links sframe/.
 *
 * A session holds the two libsrtp2 contexts of one association: our write
 * key protects what we send (outbound), the other side's write key
 * unprotects what it sends (inbound). Each key only encrypts or only
 * decrypts. An endpoint protects its own RTP and RTCP with its session and
 * unprotects what the SFU sends it; the SFU does the same toward each
 * participant. Packets are processed in place in the caller's buffer; the
 * session never reads the clock.
 *
 * Buffers: libsrtp reads packets through 32-bit pointers, so every packet
 * buffer passed here must be 4-byte aligned (HBH_ERR_INVALID_ARG
 * otherwise), and protect needs room for the trailer after the packet:
 * cap >= len + hbh_rtp_overhead() (or hbh_rtcp_overhead()). Packets are at
 * most HBH_MAX_PACKET_LEN bytes on input.
 *
 * A session is not thread-safe: one thread at a time uses it. Distinct
 * sessions may be used on distinct threads. */
#ifndef BLINDFOLD_HBH_H
#define BLINDFOLD_HBH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Errors ---------------------------------------------------------------- */

/* One X-macro list generates the enum, the names and the messages
 * (hbh_strerror, hbh_errname), so the three never drift apart. Append new
 * codes at the end so the numbers of existing ones stay stable. */
#define HBH_ERROR_LIST(X)                                                           \
    X(HBH_OK, "success")                                                            \
    X(HBH_ERR_INVALID_ARG, "argument out of range")                                 \
    X(HBH_ERR_NO_SPACE, "output buffer too small")                                  \
    X(HBH_ERR_NO_MEMORY, "out of memory")                                           \
    X(HBH_ERR_SRTP_AUTH, "SRTP/SRTCP authentication failed")                        \
    X(HBH_ERR_SRTP_REPLAY, "SRTP/SRTCP packet index replayed or older than window") \
    X(HBH_ERR_SRTP, "libsrtp operation failed")                                     \
    X(HBH_ERR_MALFORMED, "a field holds a value the format forbids")                \
    X(HBH_ERR_TRUNCATED, "input ends before the fields it declares")                \
    X(HBH_ERR_UNKNOWN_SSRC, "no stream with this SSRC")                             \
    X(HBH_ERR_NOT_FOUND, "the requested element is not present")                    \
    X(HBH_ERR_FULL, "bounded table full")

typedef enum hbh_err {
#define HBH__ENUM(name, msg) name,
    HBH_ERROR_LIST(HBH__ENUM)
#undef HBH__ENUM
        HBH_ERR__COUNT
} hbh_err_t;

/* Human-readable message for an error code; never NULL, also for unknown codes. */
const char *hbh_strerror(hbh_err_t err);

/* The code's identifier, such as "HBH_ERR_SRTP_AUTH"; never NULL. */
const char *hbh_errname(hbh_err_t err);

/* --- Profiles ------------------------------------------------------------ */

/* The "sfu.srtp_profile" values of a scenario. */
typedef enum hbh_profile {
    HBH_PROFILE_NONE = 0,                /* "none": packets pass unchanged */
    HBH_PROFILE_AES_CM_128_HMAC_SHA1_80, /* RFC 3711, RFC 5764 section 4.1.2 */
    HBH_PROFILE_AEAD_AES_128_GCM,        /* RFC 7714 */
} hbh_profile_t;

#define HBH_PROFILE_COUNT 3

/* Largest sizes over all profiles, for static buffers. */
#define HBH_MAX_KEY_LEN       16
#define HBH_MAX_SALT_LEN      14
#define HBH_MAX_MATERIAL_LEN  60 /* 2 * (16 + 14) */
#define HBH_MAX_RTP_OVERHEAD  16 /* the GCM tag */
#define HBH_MAX_RTCP_OVERHEAD 20 /* the GCM tag and the E flag + SRTCP index */
#define HBH_MAX_PACKET_LEN    65535

typedef struct hbh_profile_info {
    hbh_profile_t profile;
    const char *name;     /* the scenario spelling, e.g. "AEAD_AES_128_GCM" */
    size_t key_len;       /* master key; 0 for none */
    size_t salt_len;      /* master salt: 14 (AES_CM), 12 (AEAD_AES_128_GCM) */
    size_t rtp_overhead;  /* bytes protect adds to RTP: the tag (10 or 16) */
    size_t rtcp_overhead; /* bytes protect adds to RTCP: tag + 4 (E flag, index) */
} hbh_profile_info_t;

/* The profile's sizes, or NULL for a value outside the enum. */
const hbh_profile_info_t *hbh_profile_info(hbh_profile_t profile);

/* Looks a profile up by its scenario name (exact, case-sensitive).
 * Errors: HBH_ERR_INVALID_ARG for NULL; HBH_ERR_NOT_FOUND for any other name. */
hbh_err_t hbh_profile_from_name(const char *name, hbh_profile_t *out);

/* Bytes protect adds to an RTP / RTCP packet (0 for none and for unknown
 * profiles). A caller sizes its buffers as packet + overhead. */
size_t hbh_rtp_overhead(hbh_profile_t profile);
size_t hbh_rtcp_overhead(hbh_profile_t profile);

/* --- RFC 5764 keying material --------------------------------------------- */

/* Length of the DTLS-SRTP keying material the profile exports (RFC 5764
 * section 4.2): 2 * (key + salt), so 60 for AES_CM_128_HMAC_SHA1_80, 56 for
 * AEAD_AES_128_GCM, 0 for none and unknown profiles. */
size_t hbh_material_len(hbh_profile_t profile);

/* The four parts of the keying material, in the order RFC 5764 section 4.2
 * lays them out. The pointers point into the caller's buffer; nothing is
 * copied, so there is nothing extra to wipe. */
typedef struct hbh_material {
    const uint8_t *client_write_key;
    const uint8_t *server_write_key;
    const uint8_t *client_write_salt;
    const uint8_t *server_write_salt;
    size_t key_len;
    size_t salt_len;
} hbh_material_t;

/* Splits `material` for `profile`.
 * Errors: HBH_ERR_INVALID_ARG for NULL pointers, an unknown profile or the
 * none profile (it has no keys); HBH_ERR_MALFORMED when len is not
 * exactly hbh_material_len(profile). On error *out is zeroed. */
hbh_err_t hbh_material_split(hbh_profile_t profile, const uint8_t *material, size_t len,
                             hbh_material_t *out);

/* --- Sessions ------------------------------------------------------------- */

typedef struct hbh_session hbh_session_t;

/* Which side of the DTLS handshake we were: it decides which half of the
 * keying material is our write key (RFC 5764 section 4.2). */
typedef enum hbh_role {
    HBH_ROLE_CLIENT,
    HBH_ROLE_SERVER,
} hbh_role_t;

typedef enum hbh_direction {
    HBH_OUTBOUND, /* what we protect */
    HBH_INBOUND,  /* what we unprotect */
} hbh_direction_t;

typedef struct hbh_config {
    hbh_profile_t profile;
    /* Inbound SRTP replay window in packets, 64..32767. SRTCP's window is
     * libsrtp's fixed 128. Default 1024: a NACK retransmission without RTX
     * reuses its original sequence number and must still fit in the window
     * (libwebrtc also uses 1024). */
    unsigned replay_window;
    /* Let protect reuse an RTP packet index (RFC 3711 section 3.3.2 keeps
     * a sender from doing so). Default true: a sender without RTX (the
     * SFU when RTX is off) resends a NACKed packet with its original
     * sequence number. Only ever
     * repeat byte-identical packets: a different payload under a repeated
     * index reuses keystream. */
    bool allow_repeat_tx;
    /* Most SSRCs each direction tracks, 1..4096. libsrtp allocates state
     * for every new SSRC (inbound only after its first packet
     * authenticates); this bound keeps the other side from growing it
     * without limit. A packet of a new SSRC when the bound is reached
     * fails with HBH_ERR_FULL. Default 32. */
    size_t max_streams;
} hbh_config_t;

/* Defaults for `profile`, as documented on each field. */
hbh_config_t hbh_config_default(hbh_profile_t profile);

/* Creates a session from RFC 5764 keying material. As `role` CLIENT we
 * protect with the client write key and salt and unprotect with the
 * server's; as SERVER the other way round. For the none profile
 * `material` must be NULL or empty. libsrtp copies what it needs; the
 * temporary key || salt buffers are wiped before return, and wiping
 * `material` is the caller's business.
 * Errors: HBH_ERR_INVALID_ARG (NULL config or out, unknown profile or
 * role, replay_window or max_streams out of range, material for none);
 * HBH_ERR_MALFORMED (material length wrong for the profile);
 * HBH_ERR_NO_MEMORY; HBH_ERR_SRTP (libsrtp failed to initialize or to
 * create a context). */
hbh_err_t hbh_session_new(const hbh_config_t *config, hbh_role_t role, const uint8_t *material,
                          size_t material_len, hbh_session_t **out);

/* Creates a session from explicit master keys, each given as key || salt
 * (the layout of an SDES inline key, RFC 4568 section 6.1), for a capture
 * replayed with --srtp-key. Either direction may be left out (NULL and 0);
 * calls in that direction then fail with HBH_ERR_INVALID_ARG. For the none
 * profile both must be NULL and 0, and both directions work.
 * Errors: as hbh_session_new, with HBH_ERR_MALFORMED for a key whose
 * length is not key_len + salt_len, and HBH_ERR_INVALID_ARG when both are
 * left out for a keyed profile. */
hbh_err_t hbh_session_new_keys(const hbh_config_t *config, const uint8_t *tx_key_salt,
                               size_t tx_len, const uint8_t *rx_key_salt, size_t rx_len,
                               hbh_session_t **out);

/* Releases both libsrtp contexts (libsrtp wipes the session keys and
 * salts it derived as it frees them; it keeps no copy of the master keys)
 * and the session. Accepts NULL and half-built sessions. */
void hbh_session_free(hbh_session_t *session);

/* The session's profile; HBH_PROFILE_NONE for NULL. */
hbh_profile_t hbh_session_profile(const hbh_session_t *session);

/* --- Packets --------------------------------------------------------------
 *
 * Common rules: `packet` is 4-byte aligned and holds `len` bytes;
 * *out_len receives the new length on success (on error it is left
 * alone). Errors every call returns:
 *   HBH_ERR_INVALID_ARG  NULL pointers, a misaligned packet, len above
 *                        HBH_MAX_PACKET_LEN, or a direction the
 *                        session has no key for;
 *   HBH_ERR_TRUNCATED    the packet ends before its header does (RTP: the
 *                        fixed header, CSRCs and extension block; RTCP: 8
 *                        bytes), or, when unprotecting, before the trailer;
 *   HBH_ERR_MALFORMED    version is not 2;
 *   HBH_ERR_FULL         a new SSRC while max_streams SSRCs are tracked.
 * Those leave the packet untouched and happen before libsrtp sees it; so
 * does HBH_ERR_NO_SPACE. After HBH_ERR_SRTP_* the packet's bytes are
 * unspecified: copy first if a failed attempt must leave them intact.
 * The none profile applies the same checks and leaves the bytes as they
 * are. Each outcome is counted (hbh_session_counters). */

/* Protects an RTP packet in place: encrypts the payload, appends the tag.
 * *out_len = len + hbh_rtp_overhead(profile).
 * Errors: HBH_ERR_NO_SPACE when cap < that; HBH_ERR_SRTP_REPLAY for a
 * repeated index when allow_repeat_tx is off; HBH_ERR_NO_MEMORY, HBH_ERR_SRTP. */
hbh_err_t hbh_protect_rtp(hbh_session_t *session, uint8_t *packet, size_t len, size_t cap,
                          size_t *out_len);

/* Verifies and decrypts an SRTP packet in place; *out_len = len - tag.
 * Errors: HBH_ERR_SRTP_AUTH (tag does not verify: tampering, wrong key),
 * HBH_ERR_SRTP_REPLAY (index seen, or older than the replay window),
 * HBH_ERR_NO_MEMORY, HBH_ERR_SRTP. */
hbh_err_t hbh_unprotect_rtp(hbh_session_t *session, uint8_t *packet, size_t len, size_t *out_len);

/* Protects a (compound) RTCP packet in place: encrypts everything after
 * the first 8 bytes, appends the E flag with the SRTCP index, and the tag
 * (RFC 3711 section 3.4; RFC 7714 section 9 puts the tag before the
 * index). *out_len = len + hbh_rtcp_overhead(profile).
 * Errors: HBH_ERR_NO_SPACE; HBH_ERR_NO_MEMORY, HBH_ERR_SRTP. */
hbh_err_t hbh_protect_rtcp(hbh_session_t *session, uint8_t *packet, size_t len, size_t cap,
                           size_t *out_len);

/* Verifies and decrypts an SRTCP packet in place.
 * Errors: HBH_ERR_SRTP_AUTH (tag does not verify, or the E flag says
 * unencrypted where the profile encrypts), HBH_ERR_SRTP_REPLAY (SRTCP
 * index seen, or more than 128 behind), HBH_ERR_NO_MEMORY, HBH_ERR_SRTP. */
hbh_err_t hbh_unprotect_rtcp(hbh_session_t *session, uint8_t *packet, size_t len, size_t *out_len);

/* Forgets an SSRC in one direction: frees libsrtp's state for it and its
 * slot under max_streams. Its replay window goes with it, so packets of
 * that SSRC seen before are accepted again if they come back: call this
 * only when the stream has ended for good (its publisher left, or the
 * subscription it was sent on ended).
 * Errors: HBH_ERR_INVALID_ARG; HBH_ERR_UNKNOWN_SSRC when the direction
 * tracks no such SSRC; HBH_ERR_SRTP. */
hbh_err_t hbh_session_remove_ssrc(hbh_session_t *session, hbh_direction_t direction, uint32_t ssrc);

/* Number of SSRCs a direction tracks; 0 for NULL. */
size_t hbh_session_stream_count(const hbh_session_t *session, hbh_direction_t direction);

typedef struct hbh_counters {
    uint64_t protected_packets;   /* RTP and RTCP protected */
    uint64_t unprotected_packets; /* RTP and RTCP verified and decrypted */
    uint64_t auth_failures;       /* HBH_ERR_SRTP_AUTH */
    uint64_t replay_failures;     /* HBH_ERR_SRTP_REPLAY, either direction */
    uint64_t other_failures;      /* HBH_ERR_SRTP and HBH_ERR_NO_MEMORY from libsrtp */
    uint64_t malformed;           /* HBH_ERR_TRUNCATED and HBH_ERR_MALFORMED */
    uint64_t stream_limit;        /* HBH_ERR_FULL: packets of SSRCs over max_streams */
} hbh_counters_t;

/* A copy of the session's counters (all zero for NULL). */
hbh_counters_t hbh_session_counters(const hbh_session_t *session);

#endif
