/* sim/replay_inspect.h: what `blindfold replay` learns about a stream's
 * protection, private to sim/: which SRTP key opens it, and whether its
 * media looks end-to-end encrypted.
 *
 * Three parts, used in this order by the replay:
 *
 *  1. Keys. The candidate SRTP master keys from the command line
 *     (docs/cli.md): each `--srtp-key SPEC` is one candidate, optionally
 *     bound to a source address; `--dtls-srtp-material HEX` gives two, the
 *     client's and the server's write key (RFC 5764 section 4.2). They live
 *     in a key ring (sim__inspect_keys_t), which wipes them when freed.
 *
 *  2. Matching. One sim__inspect_stream_t per stream holds an rx-only hbh
 *     session per candidate that applies to the stream's source (keys
 *     without an address filter apply everywhere). Until a packet verifies,
 *     every packet is tried against every candidate; the first one whose
 *     tag verifies becomes the stream's key, and from then on only its
 *     session is used, so the replay window of that session guards the
 *     stream. RTP and RTCP share the state: one master key protects both.
 *
 *  3. looks_encrypted. An accumulator per stream (sim__inspect_payloads_t)
 *     takes the (decrypted) RTP payloads, skips the codec's payload
 *     descriptor, looks for codec signatures in clear in what follows, and
 *     counts its body in a 256-bin histogram. The body leaves out the
 *     first SIM__INSPECT_SKIP_HEAD and the last SIM__INSPECT_SKIP_TAIL
 *     bytes of each payload: the most that an E2EE scheme declares clear
 *     (docs/DESIGN.md: an SFrame header is at most 17 bytes, the legacy
 *     clear prefix 10 and its trailer 14). The replay cannot know the
 *     scheme, and those fields repeat a few values in every packet: counted,
 *     they make a properly SFrame-encrypted stream fail the test (an Opus
 *     stream of 1000 80-byte frames under SFrame gives p < 1e-300 with
 *     them, 0.03 for the VP8 capture of the tests). The verdict:
 *        looks_encrypted = bytes >= SIM__INSPECT_MIN_BYTES
 *                          && chi-square p-value >= SIM__INSPECT_MIN_P
 *                          && no codec signature was found.
 *     report.json's `looks_encrypted` is a bool, so "cannot tell" (too few
 *     bytes) prints as false; the verdict's `basis` says why, and the
 *     replay prints it next to the bool as `looks_encrypted_basis`:
 *        "uniform"          true: enough bytes, uniform, no signature;
 *        "codec-signature"  false: a codec signature was found in clear
 *                           (this wins over every other basis): a VP8 key
 *                           frame start code, or at least
 *                           SIM__INSPECT_MIN_FRAME_STARTS VP8 frame starts
 *                           of which 90% carry a plausible frame tag;
 *        "non-uniform"      false: p-value below SIM__INSPECT_MIN_P;
 *        "too-few-bytes"    false: fewer than SIM__INSPECT_MIN_BYTES
 *                           bytes, no signature: unknown, not "clear".
 *     The signatures make a stream under the legacy insertable-streams
 *     scheme, which leaves the VP8 frame tag and key frame header clear on
 *     purpose, "codec-signature" too: its codec headers are readable. */
#ifndef BLINDFOLD_SIM_REPLAY_INSPECT_H
#define BLINDFOLD_SIM_REPLAY_INSPECT_H

#include "hbh/hbh.h"
#include "sim/replay_streams.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Keys ------------------------------------------------------------------ */

#define SIM__INSPECT_MAX_KEYS      64
#define SIM__INSPECT_KEY_LABEL_LEN 32
/* Room for any error message of this module, NUL included. */
#define SIM__INSPECT_ERR_LEN 192
/* Marks "no key" where a key index is expected. */
#define SIM__INSPECT_NO_KEY SIZE_MAX

/* One candidate master key. */
typedef struct sim__inspect_key {
    /* Names the key in the report and in messages: "--srtp-key 2",
     * "--dtls-srtp-material client", "--dtls-srtp-material server". */
    char label[SIM__INSPECT_KEY_LABEL_LEN];
    bool has_filter;                                      /* SRC_IP:PORT= was given */
    sim__streams_endpoint_t filter;                       /* the stream's source must equal it */
    hbh_profile_t profile;                                /* never HBH_PROFILE_NONE */
    size_t key_salt_len;                                  /* key_len + salt_len of the profile */
    uint8_t key_salt[HBH_MAX_KEY_LEN + HBH_MAX_SALT_LEN]; /* key || salt */
} sim__inspect_key_t;

typedef struct sim__inspect_keys sim__inspect_keys_t;

/* An empty key ring, or NULL when out of memory. */
sim__inspect_keys_t *sim__inspect_keys_new(void);

/* Wipes every key and frees the ring; accepts NULL. */
void sim__inspect_keys_free(sim__inspect_keys_t *keys);

/* Parses one `--srtp-key SPEC`, SPEC = [SRC_IP:PORT=]PROFILE:BASE64, and
 * adds it. SRC_IP:PORT is "a.b.c.d:port" or "[ipv6]:port"; PROFILE is an
 * hbh profile name other than "none"; BASE64 is the SDES inline key||salt
 * (RFC 4568 section 6.1) in the RFC 4648 section 4 alphabet, padded to a
 * multiple of 4 characters, with zero bits after the last byte, and
 * decoding to exactly key_len + salt_len bytes. The SDES lifetime and MKI
 * suffixes ("|2^20|1:4") are refused. `ordinal` is the option's position
 * among the --srtp-key options (1 for the first) and names the key.
 * Returns false, adding nothing, on any error: `err` (cap err_cap, may be
 * NULL) then holds a one-line message starting with "--srtp-key N: ". The
 * errors: an empty or missing part, a bad address, an unknown profile,
 * "none", a character outside the alphabet, bad padding, non-zero trailing
 * bits, a wrong decoded length, a full ring (SIM__INSPECT_MAX_KEYS). */
bool sim__inspect_keys_add_spec(sim__inspect_keys_t *keys, const char *spec, unsigned ordinal,
                                char *err, size_t err_cap);

/* Parses `--dtls-srtp-material HEX` (upper or lower case hex digits only)
 * for `profile` and adds its two candidates, the client write key||salt
 * and then the server write key||salt (hbh_material_split). With
 * HBH_PROFILE_NONE the profile is inferred from the length: 60 bytes are
 * AES_CM_128_HMAC_SHA1_80, 56 AEAD_AES_128_GCM (the CLI has no profile
 * option for the material). Returns false, adding nothing, with a message
 * starting "--dtls-srtp-material: " for: an odd length, a non-hex
 * character, a length the profile does not export, an unknown profile, a
 * ring without room for two more keys. */
bool sim__inspect_keys_add_material(sim__inspect_keys_t *keys, const char *hex,
                                    hbh_profile_t profile, char *err, size_t err_cap);

/* Number of keys; 0 for NULL. */
size_t sim__inspect_keys_count(const sim__inspect_keys_t *keys);

/* Key i in the order added, or NULL beyond the count. */
const sim__inspect_key_t *sim__inspect_keys_get(const sim__inspect_keys_t *keys, size_t i);

/* --- Matching ------------------------------------------------------------ */

typedef struct sim__inspect_stream sim__inspect_stream_t;

/* Creates the matching state of one stream whose packets come from `src`:
 * one rx-only hbh session per key of `keys` without a filter or whose
 * filter equals `src` (src may be NULL: then only unfiltered keys apply).
 * The stream copies what it needs; `keys` may be freed afterwards. A
 * stream without candidates is legal: all its packets are undecryptable.
 * Errors: HBH_ERR_INVALID_ARG (NULL keys or out), HBH_ERR_NO_MEMORY, and
 * those of hbh_session_new_keys (HBH_ERR_SRTP). */
hbh_err_t sim__inspect_stream_new(const sim__inspect_keys_t *keys,
                                  const sim__streams_endpoint_t *src, sim__inspect_stream_t **out);

/* Frees the sessions and the state; accepts NULL. */
void sim__inspect_stream_free(sim__inspect_stream_t *stream);

typedef enum sim__inspect_match_status {
    SIM__INSPECT_OPENED,        /* a tag verified: out holds the plain packet */
    SIM__INSPECT_UNDECRYPTABLE, /* the stream has no key yet and none verified */
    SIM__INSPECT_REJECTED,      /* the stream's key did not open this packet
                                   (tag or replay window): tampered, replayed */
    SIM__INSPECT_MALFORMED,     /* not a packet hbh accepts: too short for its
                                   header or trailer, version not 2 */
    SIM__INSPECT_INVALID,       /* NULL pointers, out not 4-byte aligned,
                                   cap < len, len > HBH_MAX_PACKET_LEN */
} sim__inspect_match_status_t;

/* Tries to open one SRTP (rtcp false) or SRTCP (rtcp true) packet of the
 * stream. `packet` is left untouched: each attempt works on a fresh copy
 * in `out` (4-byte aligned, cap >= len), since a failed unprotect leaves
 * the bytes unspecified. On SIM__INSPECT_OPENED *out_len is the plain
 * length and *key_index (may be NULL) the index in the key ring of the key
 * that opened it; the first such key becomes the stream's key. Otherwise
 * *key_index is SIM__INSPECT_NO_KEY, *out_len is left alone and `out`
 * holds unspecified bytes. A stream with a key tries no other: a packet its
 * key does not open is SIM__INSPECT_REJECTED. */
sim__inspect_match_status_t sim__inspect_match(sim__inspect_stream_t *stream, bool rtcp,
                                               const uint8_t *packet, size_t len, uint8_t *out,
                                               size_t cap, size_t *out_len, size_t *key_index);

/* The stream's key index in the key ring, or SIM__INSPECT_NO_KEY while no
 * packet has verified (and for NULL). */
size_t sim__inspect_stream_key(const sim__inspect_stream_t *stream);

/* Candidates the stream tries; 0 for NULL. */
size_t sim__inspect_stream_candidates(const sim__inspect_stream_t *stream);

typedef struct sim__inspect_stream_counters {
    uint64_t opened;
    uint64_t undecryptable;
    uint64_t rejected;
    uint64_t malformed;
} sim__inspect_stream_counters_t;

/* The stream's outcome counts (zero for NULL). */
sim__inspect_stream_counters_t sim__inspect_stream_counters(const sim__inspect_stream_t *stream);

/* "opened", "undecryptable", "rejected", "malformed", "invalid", or "?". */
const char *sim__inspect_match_name(sim__inspect_match_status_t status);

/* --- looks_encrypted ------------------------------------------------------- */

/* Fewest payload bytes the chi-square test runs on: 16 expected per bin. */
#define SIM__INSPECT_MIN_BYTES 4096u
/* Lowest p-value still counted as uniform. */
#define SIM__INSPECT_MIN_P 1e-6
/* Bytes after the descriptor, and at the end, left out of the histogram. */
#define SIM__INSPECT_SKIP_HEAD 17u
#define SIM__INSPECT_SKIP_TAIL 14u
/* VP8 frame starts needed before their tags count as a signature. */
#define SIM__INSPECT_MIN_FRAME_STARTS 8u

typedef enum sim__inspect_codec {
    SIM__INSPECT_CODEC_UNKNOWN = 0, /* whole payload inspected, no signatures */
    SIM__INSPECT_CODEC_VP8,         /* RFC 7741 descriptor skipped */
    SIM__INSPECT_CODEC_OPUS,        /* whole payload (TOC byte included) */
} sim__inspect_codec_t;

/* The accumulator: plain data, no allocation. */
typedef struct sim__inspect_payloads {
    sim__inspect_codec_t codec;
    uint64_t histogram[256];    /* payload bodies */
    uint64_t bytes;             /* sum of histogram */
    uint64_t payload_bytes;     /* after the descriptors, head and tail included */
    uint64_t payloads;          /* payloads fed */
    uint64_t descriptor_errors; /* VP8 descriptors that did not parse: skipped */
    uint64_t frame_starts;      /* VP8: payloads with S = 1 and PID = 0 */
    /* VP8: frames before the last whose tag looks unencrypted: version
     * 0..3, show_frame set, a first partition of 1 byte up to the VP8
     * bytes fed until the next frame start. */
    uint64_t plausible_tags;
    bool frame_pending; /* VP8: the last frame, still open */
    bool pending_plausible;
    uint32_t pending_partition;
    uint64_t pending_bytes;
    uint64_t signatures; /* VP8: key frame start codes 9d 01 2a in clear */
} sim__inspect_payloads_t;

/* Empties the accumulator for `codec`. */
void sim__inspect_payloads_init(sim__inspect_payloads_t *acc, sim__inspect_codec_t codec);

/* Adds one RTP payload (after the RTP header and any SRTP, without RTP
 * padding). VP8: the descriptor is parsed with rtp_vp8_desc_parse and
 * skipped; a payload whose descriptor does not parse counts in
 * descriptor_errors and adds nothing. At a VP8 frame start (S = 1,
 * PID = 0) the frame tag is read with rtp_vp8_peek: P = 0 (a key frame)
 * with 9d 01 2a at bytes 3..5 counts a signature; the tag is checked as
 * plausible_tags says once the next frame starts (the verdict also checks
 * the last frame). Then the body (above) enters the histogram.
 * Accepts NULL (ignored) and empty payloads. */
void sim__inspect_payloads_feed(sim__inspect_payloads_t *acc, const uint8_t *payload, size_t len);

typedef struct sim__inspect_verdict {
    bool looks_encrypted;
    const char *basis; /* static: see the top of this file */
    double p_value;    /* chi-square p, 255 dof; NaN when too few bytes */
    uint64_t bytes;    /* body bytes tested */
} sim__inspect_verdict_t;

/* The verdict on what was fed so far (rules at the top of this file). */
sim__inspect_verdict_t sim__inspect_payloads_verdict(const sim__inspect_payloads_t *acc);

#endif
