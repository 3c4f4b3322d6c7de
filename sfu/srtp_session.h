/* sfu/ private: hop-by-hop SRTP/SRTCP for one participant's transport.
 *
 * A session holds the two libsrtp2 contexts of one DTLS-SRTP association:
 * our write key protects what we send (outbound), the peer's write key
 * unprotects what it sends (inbound). Each key only encrypts or only
 * decrypts. Packets are processed in place in the caller's buffer; the
 * session never holds an E2EE key and never reads the clock.
 *
 * Private until sfu/sfu.h exists: names carry the internal sfu__ prefix;
 * the error codes are the module's public ones (sfu/sfu_error.h).
 *
 * Buffers: libsrtp reads packets through 32-bit pointers, so every packet
 * buffer passed here must be 4-byte aligned (SFU_ERR_INVALID_ARG
 * otherwise), and protect needs room for the trailer after the packet:
 * cap >= len + sfu__srtp_rtp_overhead() (or _rtcp_overhead()). Packets are
 * at most SFU__SRTP_MAX_PACKET_LEN bytes on input.
 *
 * A session is not thread-safe: one thread at a time uses it. */
#ifndef BLINDFOLD_SFU_SRTP_SESSION_H
#define BLINDFOLD_SFU_SRTP_SESSION_H

#include "sfu/sfu_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Profiles ------------------------------------------------------------ */

/* The "sfu.srtp_profile" values of a scenario. */
typedef enum sfu__srtp_profile {
    SFU__SRTP_NONE = 0,                /* "none": packets pass unchanged */
    SFU__SRTP_AES_CM_128_HMAC_SHA1_80, /* RFC 3711, RFC 5764 section 4.1.2 */
    SFU__SRTP_AEAD_AES_128_GCM,        /* RFC 7714 */
} sfu__srtp_profile_t;

#define SFU__SRTP_PROFILE_COUNT 3

/* Largest sizes over all profiles, for static buffers. */
#define SFU__SRTP_MAX_KEY_LEN       16
#define SFU__SRTP_MAX_SALT_LEN      14
#define SFU__SRTP_MAX_MATERIAL_LEN  60 /* 2 * (16 + 14) */
#define SFU__SRTP_MAX_RTP_OVERHEAD  16 /* the GCM tag */
#define SFU__SRTP_MAX_RTCP_OVERHEAD 20 /* the GCM tag and the E flag + SRTCP index */
#define SFU__SRTP_MAX_PACKET_LEN    65535

typedef struct sfu__srtp_profile_info {
    sfu__srtp_profile_t profile;
    const char *name;     /* the scenario spelling, e.g. "AEAD_AES_128_GCM" */
    size_t key_len;       /* master key; 0 for none */
    size_t salt_len;      /* master salt: 14 (AES_CM), 12 (AEAD_AES_128_GCM) */
    size_t rtp_overhead;  /* bytes protect adds to RTP: the tag (10 or 16) */
    size_t rtcp_overhead; /* bytes protect adds to RTCP: tag + 4 (E flag, index) */
} sfu__srtp_profile_info_t;

/* The profile's sizes, or NULL for a value outside the enum. */
const sfu__srtp_profile_info_t *sfu__srtp_profile_info(sfu__srtp_profile_t profile);

/* Looks a profile up by its scenario name (exact, case-sensitive).
 * Errors: SFU_ERR_INVALID_ARG for NULL; SFU_ERR_NOT_FOUND for any other name. */
sfu_err_t sfu__srtp_profile_from_name(const char *name, sfu__srtp_profile_t *out);

/* Bytes protect adds to an RTP / RTCP packet (0 for none and for unknown
 * profiles). A caller sizes its buffers as packet + overhead. */
size_t sfu__srtp_rtp_overhead(sfu__srtp_profile_t profile);
size_t sfu__srtp_rtcp_overhead(sfu__srtp_profile_t profile);

/* --- RFC 5764 keying material --------------------------------------------- */

/* Length of the DTLS-SRTP keying material the profile exports (RFC 5764
 * section 4.2): 2 * (key + salt), so 60 for AES_CM_128_HMAC_SHA1_80, 56 for
 * AEAD_AES_128_GCM, 0 for none and unknown profiles. */
size_t sfu__srtp_material_len(sfu__srtp_profile_t profile);

/* The four parts of the keying material, in the order RFC 5764 section 4.2
 * lays them out. The pointers point into the caller's buffer; nothing is
 * copied, so there is nothing extra to wipe. */
typedef struct sfu__srtp_material {
    const uint8_t *client_write_key;
    const uint8_t *server_write_key;
    const uint8_t *client_write_salt;
    const uint8_t *server_write_salt;
    size_t key_len;
    size_t salt_len;
} sfu__srtp_material_t;

/* Splits `material` for `profile`.
 * Errors: SFU_ERR_INVALID_ARG for NULL pointers, an unknown profile or the
 * none profile (it has no keys); SFU_ERR_MALFORMED when len is not
 * exactly sfu__srtp_material_len(profile). On error *out is zeroed. */
sfu_err_t sfu__srtp_material_split(sfu__srtp_profile_t profile, const uint8_t *material, size_t len,
                                   sfu__srtp_material_t *out);

/* --- Sessions ------------------------------------------------------------- */

typedef struct sfu__srtp_session sfu__srtp_session_t;

/* Which side of the DTLS handshake we were: it decides which half of the
 * keying material is our write key (RFC 5764 section 4.2). */
typedef enum sfu__srtp_role {
    SFU__SRTP_ROLE_CLIENT,
    SFU__SRTP_ROLE_SERVER,
} sfu__srtp_role_t;

typedef enum sfu__srtp_direction {
    SFU__SRTP_OUTBOUND, /* what we protect */
    SFU__SRTP_INBOUND,  /* what we unprotect */
} sfu__srtp_direction_t;

typedef struct sfu__srtp_config {
    sfu__srtp_profile_t profile;
    /* Inbound SRTP replay window in packets, 64..32767. SRTCP's window is
     * libsrtp's fixed 128. Default 1024: a NACK retransmission without RTX
     * reuses its original sequence number and must still fit in the window
     * (libwebrtc also uses 1024). */
    unsigned replay_window;
    /* Let protect reuse an RTP packet index (RFC 3711 section 3.3.2 keeps
     * a sender from doing so). Default true: the SFU resends a NACKed
     * packet with its original sequence number when RTX is off. Only ever
     * repeat byte-identical packets: a different payload under a repeated
     * index reuses keystream. */
    bool allow_repeat_tx;
    /* Most SSRCs each direction tracks, 1..4096. libsrtp allocates state
     * for every new SSRC (inbound only after its first packet
     * authenticates); this bound keeps a participant from growing it
     * without limit. A packet of a new SSRC when the bound is reached
     * fails with SFU_ERR_FULL. Default 32. */
    size_t max_streams;
} sfu__srtp_config_t;

/* Defaults for `profile`, as documented on each field. */
sfu__srtp_config_t sfu__srtp_config_default(sfu__srtp_profile_t profile);

/* Creates a session from RFC 5764 keying material. As `role` CLIENT we
 * protect with the client write key and salt and unprotect with the
 * server's; as SERVER the other way round. For the none profile
 * `material` must be NULL or empty. libsrtp copies what it needs; the
 * temporary key || salt buffers are wiped before return, and wiping
 * `material` is the caller's business.
 * Errors: SFU_ERR_INVALID_ARG (NULL config or out, unknown profile or
 * role, replay_window or max_streams out of range, material for none);
 * SFU_ERR_MALFORMED (material length wrong for the profile);
 * SFU_ERR_NO_MEMORY; SFU_ERR_SRTP (libsrtp failed to initialize or to
 * create a context). */
sfu_err_t sfu__srtp_session_new(const sfu__srtp_config_t *config, sfu__srtp_role_t role,
                                const uint8_t *material, size_t material_len,
                                sfu__srtp_session_t **out);

/* Creates a session from explicit master keys, each given as key || salt
 * (the layout of an SDES inline key, RFC 4568 section 6.1), for a capture
 * replayed with --srtp-key. Either direction may be left out (NULL and 0);
 * calls in that direction then fail with SFU_ERR_INVALID_ARG. For the none
 * profile both must be NULL and 0, and both directions work.
 * Errors: as sfu__srtp_session_new, with SFU_ERR_MALFORMED for a key whose
 * length is not key_len + salt_len, and SFU_ERR_INVALID_ARG when both are
 * left out for a keyed profile. */
sfu_err_t sfu__srtp_session_new_keys(const sfu__srtp_config_t *config, const uint8_t *tx_key_salt,
                                     size_t tx_len, const uint8_t *rx_key_salt, size_t rx_len,
                                     sfu__srtp_session_t **out);

/* Releases both libsrtp contexts (libsrtp wipes the session keys and
 * salts it derived as it frees them; it keeps no copy of the master keys)
 * and the session. Accepts NULL and half-built sessions. */
void sfu__srtp_session_free(sfu__srtp_session_t *session);

sfu__srtp_profile_t sfu__srtp_session_profile(const sfu__srtp_session_t *session);

/* --- Packets --------------------------------------------------------------
 *
 * Common rules: `packet` is 4-byte aligned and holds `len` bytes;
 * *out_len receives the new length on success (on error it is left
 * alone). Errors every call returns:
 *   SFU_ERR_INVALID_ARG  NULL pointers, a misaligned packet, len above
 *                        SFU__SRTP_MAX_PACKET_LEN, or a direction the
 *                        session has no key for;
 *   SFU_ERR_TRUNCATED    the packet ends before its header does (RTP: the
 *                        fixed header, CSRCs and extension block; RTCP: 8
 *                        bytes), or, when unprotecting, before the trailer;
 *   SFU_ERR_MALFORMED    version is not 2;
 *   SFU_ERR_FULL         a new SSRC while max_streams SSRCs are tracked.
 * Those leave the packet untouched and happen before libsrtp sees it; so
 * does SFU_ERR_NO_SPACE. After SFU_ERR_SRTP_* the packet's bytes are
 * unspecified: copy first if a failed attempt must leave them intact.
 * The none profile applies the same checks and leaves the bytes as they
 * are. Each outcome is counted (sfu__srtp_session_counters). */

/* Protects an RTP packet in place: encrypts the payload, appends the tag.
 * *out_len = len + sfu__srtp_rtp_overhead(profile).
 * Errors: SFU_ERR_NO_SPACE when cap < that; SFU_ERR_SRTP_REPLAY for a
 * repeated index when allow_repeat_tx is off; SFU_ERR_NO_MEMORY, SFU_ERR_SRTP. */
sfu_err_t sfu__srtp_protect_rtp(sfu__srtp_session_t *session, uint8_t *packet, size_t len,
                                size_t cap, size_t *out_len);

/* Verifies and decrypts an SRTP packet in place; *out_len = len - tag.
 * Errors: SFU_ERR_SRTP_AUTH (tag does not verify: tampering, wrong key),
 * SFU_ERR_SRTP_REPLAY (index seen, or older than the replay window),
 * SFU_ERR_NO_MEMORY, SFU_ERR_SRTP. */
sfu_err_t sfu__srtp_unprotect_rtp(sfu__srtp_session_t *session, uint8_t *packet, size_t len,
                                  size_t *out_len);

/* Protects a (compound) RTCP packet in place: encrypts everything after
 * the first 8 bytes, appends the E flag with the SRTCP index, and the tag
 * (RFC 3711 section 3.4; RFC 7714 section 9 puts the tag before the
 * index). *out_len = len + sfu__srtp_rtcp_overhead(profile).
 * Errors: SFU_ERR_NO_SPACE; SFU_ERR_NO_MEMORY, SFU_ERR_SRTP. */
sfu_err_t sfu__srtp_protect_rtcp(sfu__srtp_session_t *session, uint8_t *packet, size_t len,
                                 size_t cap, size_t *out_len);

/* Verifies and decrypts an SRTCP packet in place.
 * Errors: SFU_ERR_SRTP_AUTH (tag does not verify, or the E flag says
 * unencrypted where the profile encrypts), SFU_ERR_SRTP_REPLAY (SRTCP
 * index seen, or more than 128 behind), SFU_ERR_NO_MEMORY, SFU_ERR_SRTP. */
sfu_err_t sfu__srtp_unprotect_rtcp(sfu__srtp_session_t *session, uint8_t *packet, size_t len,
                                   size_t *out_len);

/* Forgets an SSRC in one direction: frees libsrtp's state for it and its
 * slot under max_streams. Its replay window goes with it, so packets of
 * that SSRC seen before are accepted again if they come back: call this
 * only when the stream has ended for good (its publisher left).
 * Errors: SFU_ERR_INVALID_ARG; SFU_ERR_UNKNOWN_SSRC when the direction
 * tracks no such SSRC; SFU_ERR_SRTP. */
sfu_err_t sfu__srtp_session_remove_ssrc(sfu__srtp_session_t *session,
                                        sfu__srtp_direction_t direction, uint32_t ssrc);

/* Number of SSRCs a direction tracks; 0 for NULL. */
size_t sfu__srtp_session_stream_count(const sfu__srtp_session_t *session,
                                      sfu__srtp_direction_t direction);

typedef struct sfu__srtp_counters {
    uint64_t protected_packets;   /* RTP and RTCP protected */
    uint64_t unprotected_packets; /* RTP and RTCP verified and decrypted */
    uint64_t auth_failures;       /* SFU_ERR_SRTP_AUTH */
    uint64_t replay_failures;     /* SFU_ERR_SRTP_REPLAY, either direction */
    uint64_t other_failures;      /* SFU_ERR_SRTP and SFU_ERR_NO_MEMORY from libsrtp */
    uint64_t malformed;           /* SFU_ERR_TRUNCATED and SFU_ERR_MALFORMED */
    uint64_t stream_limit;        /* SFU_ERR_FULL: packets of SSRCs over max_streams */
} sfu__srtp_counters_t;

/* A copy of the session's counters (all zero for NULL). */
sfu__srtp_counters_t sfu__srtp_session_counters(const sfu__srtp_session_t *session);

#endif
