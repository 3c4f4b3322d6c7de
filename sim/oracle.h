/* sim/oracle.h: the confidentiality oracle, private to sim/.
 *
 * It sits on the SFU's observer hook (sfu_observer_fn) during a simulated
 * call and decides whether the SFU could read anything beyond what the
 * declared E2EE scheme leaves clear (docs/DESIGN.md, "How the E2EE schemes
 * look to the SFU"). The harness tells it every track (add_track) and every
 * encoded frame a peer sends, both its plaintext and its protected form
 * (frame_sent); the SFU then shows it every media packet it handles
 * (observe). The result is the report's "confidentiality" object
 * (docs/report-format.md).
 *
 * Vocabulary. A packet's "chunk" is its frame data: the RTP payload after
 * the VP8 payload descriptor (Opus: the whole payload), padding excluded,
 * after RTX unwrapping. The oracle "locates" a chunk when it finds those
 * bytes in the registered protected frame of the same (SSRC, RTP timestamp);
 * a located chunk starts at protected offset o. Protected offset q holds
 * plaintext byte q - plain_offset. The "sealed" part of a protected frame is
 * what the scheme claims is encrypted: everything but the first clear_head
 * and the last clear_tail bytes (SFrame header; legacy clear prefix and
 * trailer); for scheme `none` nothing is claimed clear, so the sealed part
 * is the whole frame (that is what makes `none` the negative control).
 *
 * The four checks.
 *
 * (a) Plaintext windows. Every window of `window` (w) bytes of a sent
 *     plaintext, except those starting in the part the scheme declares
 *     clear (plaintext bytes [0, clear_head - plain_offset): the legacy
 *     clear prefix; nothing for sframe and none), is a needle; a needle
 *     found in the sealed part of an observed chunk is a hit. The
 *     index holds the windows starting at E, E + k, E + 2k, ... (E the
 *     first byte not exempt, k = index_stride) and the last window of the
 *     frame; every position of every chunk is looked up, and a candidate is
 *     confirmed by comparing the w bytes, so hash collisions never count.
 *     Guarantee, for a frame still in the registry: a run of r consecutive
 *     plaintext bytes starting at or after E that appears inside the
 *     sealed part of one chunk is found when r >= w + k - 1 (15 bytes with
 *     the defaults, so every run of 16 is found), and also when r >= w and
 *     the run starts at E or ends at the frame's end. A run split across two
 *     packets is found when one of its pieces qualifies. Unlocated chunks
 *     (frame unknown or evicted) and packets of undeclared streams are
 *     scanned whole. A packet counts once however many windows it holds.
 *
 *     Window size against false positives. Ciphertext is uniform, so one
 *     lookup matches one stored window by chance with probability
 *     2^-(8w), and a lookup against N stored windows with N / 2^(8w). The
 *     reference call (20 s, 4 peers, 3 simulcast layers, ~1 MB/s of
 *     plaintext in all) makes ~2e7 lookups (one per sealed byte) against
 *     N = 3 s retention * 1 MB/s / k = 3.75e5 windows:
 *       w = 4:  8.7e-5 per lookup, ~1700 false hits per call (useless);
 *       w = 6:  1.3e-9 per lookup, 0.027 per call (1 call in 40 fails);
 *       w = 8:  2.0e-14 per lookup, 4.1e-7 per call (k = 1: 3.3e-6).
 *     8 bytes is the shortest window whose false-alarm rate stays
 *     negligible for calls far larger (10x longer and 10x the rate:
 *     4e-5), and short enough to catch short leaks (a
 *     16-byte run, a 10-byte overflow of a clear prefix).
 *
 * (b) Keystream relation, on located chunks: X = chunk XOR the aligned
 *     plaintext over the sealed part that has plaintext under it (the
 *     cipher body, not the tag). A packet is a hit when
 *      (1) X is periodic: for some p in 1..periodic_max_period (64) with
 *          n - p >= periodic_min_span (32), more than periodic_fraction
 *          (0.5) of the i < n - p have X[i] == X[i + p] (random: 1/256;
 *          the chance that 32 random comparisons pass is 4e-31 for all 64
 *          periods together). Catches XOR with any pattern of period <= 64
 *          and `none` (X = 0).
 *      (2) the first 16 bytes of X at the sealed part's offset 0 (once per
 *          frame, from the packet that covers them) equal those of another
 *          frame (another SSRC or timestamp): the keystream repeats, as it
 *          does for any fixed XOR pattern and for CTR or GCM with a reused
 *          nonce. Chance match: 2^-128 per pair. A frame is not
 *          fingerprinted when it has fewer than 16 sealed plaintext bytes
 *          or when no single packet carries those 16 bytes.
 *
 * (c) Nonce reuse. sframe: the SFrame header at the start of each frame
 *     gives (participant, KID, CTR); insertable-legacy: the trailer at its
 *     end gives (participant, key index, 12-byte IV). The same triple for a
 *     different frame (SSRC, RTP timestamp) counts once per repeat. A frame
 *     is read once, when the located chunk at offset 0 (its first packet:
 *     VP8 S=1 PID 0, any Opus packet) or ending the frame (its last packet:
 *     the VP8 marker, any Opus packet) is observed; the bytes come from the
 *     registered copy, identical to the packet's (and a trailer may
 *     straddle two packets). Unlocated chunks are not read: bytes that
 *     match no sent frame carry no frame's nonce, and garbage would make
 *     up repeats. `none` has no nonces.
 *
 * (d) Uniformity: per stream (participant, track, layer), a histogram of
 *     the sealed bytes of located chunks, each byte counted once (a
 *     retransmitted or duplicated chunk adds nothing); streams with at
 *     least uniformity_min_bytes are tested with a chi-square test of 255
 *     degrees of freedom, p = Q(127.5, chi2 / 2). The critical value for
 *     alpha = 1e-6 is chi2 = 377.1 (0.95: 293.25, 0.999: 330.52). With S
 *     streams of real ciphertext a call fails with probability ~S * alpha
 *     (12 streams: 1.2e-5). Ciphertext that is not independent from frame
 *     to frame (a reused keystream over skewed plaintext) fails it too.
 *
 * Retransmissions and duplicates. RTX packets are unwrapped with the
 * track's media SSRC and payload type first. A located chunk whose bytes
 * were all seen before for that frame is a duplicate: counted, not checked
 * again. Real ciphertext thus gives no finding however often it is resent.
 *
 * Memory. Everything is allocated by sim__oracle_new; adding a track,
 * registering a frame and observing a packet allocate nothing. The bounds
 * and what happens at each (every eviction is counted in the result):
 *   - registry: at most max_frames frames and max_bytes bytes of copies
 *     (plaintext + protected), each kept retention_ms after it was sent;
 *     the oldest frame goes first when either bound is reached;
 *   - window index: at most max_windows windows (a table of twice as many
 *     16-byte slots, plus a byte of tag each); the oldest frames go when a
 *     new frame's windows do not fit;
 *   - keystream fingerprints: max_fingerprints, oldest first;
 *   - nonces: max_nonces, oldest first (repeats further apart are missed);
 *   - tracks: max_tracks, add_track fails beyond;
 *   - a frame keeps up to 8 disjoint seen ranges for duplicate detection;
 *     a chunk that would need a ninth is checked but not added to (d).
 * sim__oracle_memory_bytes() gives the total, fixed at creation: about
 * 43 MiB with the defaults (16 MiB arena, 17 MiB window index).
 *
 * Cost per packet (located, new): a rolling hash and a probe of the 1-byte
 * tag array per sealed byte (the 16-byte slots are read only on a likely
 * match), a memcmp to locate the chunk (hinted by the previous chunk of its
 * frame), up to 64 vectorised comparison passes over X for (b)(1) (cut
 * short once the threshold is out of reach), a 256-bin histogram update.
 * Registering a frame costs an index insertion per k plaintext bytes, and
 * a removal when the frame leaves. Measured once (AMD EPYC VM, 2 vCPUs,
 * RelWithDebInfo): 7 us per 1.1 kB packet with a lightly filled index,
 * 12 us with the reference call's 3.3e5 windows in it; registering, 15 to
 * 20 ns per plaintext byte. Not thread-safe: one thread drives an oracle. */
#ifndef BLINDFOLD_SIM_ORACLE_H
#define BLINDFOLD_SIM_ORACLE_H

#include "sfu/sfu.h"
#include "sim/sim_scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM__ORACLE_ERROR_LIST(X)                           \
    X(SIM__ORACLE_OK, "success")                            \
    X(SIM__ORACLE_ERR_INVALID_ARG, "argument out of range") \
    X(SIM__ORACLE_ERR_NO_MEMORY, "out of memory")           \
    X(SIM__ORACLE_ERR_FULL, "track table full")             \
    X(SIM__ORACLE_ERR_TOO_LARGE, "frame exceeds the registry bounds")

typedef enum sim__oracle_err {
#define SIM__ORACLE_ENUM(name, msg) name,
    SIM__ORACLE_ERROR_LIST(SIM__ORACLE_ENUM)
#undef SIM__ORACLE_ENUM
        SIM__ORACLE_ERR__COUNT
} sim__oracle_err_t;

/* Message for an error code; never NULL, also for unknown codes. */
const char *sim__oracle_strerror(sim__oracle_err_t err);

#define SIM__ORACLE_WINDOW_MIN      8
#define SIM__ORACLE_WINDOW_MAX      64
#define SIM__ORACLE_FINGERPRINT_LEN 16 /* keystream bytes per frame, check (b)(2) */
#define SIM__ORACLE_FINDING_MAX     160

typedef struct sim__oracle_config {
    sim_e2ee_scheme_t scheme; /* the DECLARED scheme; default SIM_E2EE_SFRAME */
    size_t window;            /* w, plaintext window bytes, 8..64; default 8 */
    size_t index_stride;      /* k, index every k-th window, 1..64; default 8 */
    uint32_t retention_ms;    /* a sent frame stays this long; default 3000 */

    /* (b)(1): a period p in 1..periodic_max_period (1..64) over at least
     * periodic_min_span comparisons (>= 8) whose equal fraction exceeds
     * periodic_fraction (0.1..1). Defaults 64, 32, 0.5. */
    unsigned periodic_max_period;
    size_t periodic_min_span;
    double periodic_fraction;

    /* (d): streams with at least uniformity_min_bytes sealed bytes (>= 256)
     * are tested; p below uniformity_alpha (0..1) is a finding. Defaults
     * 16384 and 1e-6. */
    size_t uniformity_min_bytes;
    double uniformity_alpha;

    /* Bounds (see the top comment for what happens at each). Defaults sized
     * for ~2.5x the reference call (3 MB plaintext + 3 MB protected held,
     * 1700 frames in 3 s): */
    size_t max_frames;       /* frames held; 16..2^24; default 8192 */
    size_t max_bytes;        /* bytes of copies; 64 KiB..2 GiB; default 16 MiB */
    size_t max_windows;      /* indexed windows; 1024..2^26; default 2^19 (16 MiB of table) */
    size_t max_tracks;       /* 1..65536; default 256 */
    size_t max_fingerprints; /* 16..2^24; default 16384 */
    size_t max_nonces;       /* 16..2^24; default 65536 (~90 s of the reference call) */
} sim__oracle_config_t;

/* The defaults documented on each field. */
sim__oracle_config_t sim__oracle_config_default(void);

typedef struct sim__oracle sim__oracle_t;

/* Errors: SIM__ORACLE_ERR_INVALID_ARG (NULL, a field out of its range),
 * SIM__ORACLE_ERR_NO_MEMORY. */
sim__oracle_err_t sim__oracle_new(const sim__oracle_config_t *config, sim__oracle_t **out);

/* Accepts NULL. */
void sim__oracle_free(sim__oracle_t *oracle);

/* Bytes the oracle allocated (all of it, at creation). */
size_t sim__oracle_memory_bytes(const sim__oracle_t *oracle);

typedef enum sim__oracle_kind {
    SIM__ORACLE_AUDIO_OPUS = 0, /* RFC 7587: the payload is the frame */
    SIM__ORACLE_VIDEO_VP8,      /* RFC 7741: a payload descriptor first */
} sim__oracle_kind_t;

typedef struct sim__oracle_layer {
    uint32_t ssrc;     /* media SSRC */
    uint32_t rtx_ssrc; /* 0: no RTX stream */
} sim__oracle_layer_t;

/* A track as declared to the SFU. */
typedef struct sim__oracle_track {
    uint32_t participant_id; /* the publisher, as in sfu_packet_view_t */
    uint32_t track_id;
    sim__oracle_kind_t kind;
    unsigned n_layers; /* 1..SFU_MAX_LAYERS (audio 1), as sfu_packet_view_t.layer counts */
    sim__oracle_layer_t layers[SFU_MAX_LAYERS];
    uint8_t media_pt; /* 0..127 */
    uint8_t rtx_pt;   /* 0..127; unused without RTX */
} sim__oracle_track_t;

/* Declares a track, or replaces the declaration of the same (participant,
 * track id), keeping its statistics. Errors: SIM__ORACLE_ERR_INVALID_ARG
 * (NULL, n_layers out of range, a payload type above 127, SSRC 0),
 * SIM__ORACLE_ERR_FULL (max_tracks reached). */
sim__oracle_err_t sim__oracle_add_track(sim__oracle_t *oracle, const sim__oracle_track_t *track);

/* One frame as a peer sent it. The oracle copies what it needs; the
 * pointers need only live during the call. */
typedef struct sim__oracle_frame {
    uint32_t participant_id;
    uint32_t track_id;
    unsigned layer;                 /* 0 for audio */
    uint32_t ssrc;                  /* media SSRC of its packets */
    uint32_t rtp_timestamp;         /* RTP timestamp of its packets */
    const uint8_t *plaintext;       /* the encoded frame before E2EE */
    size_t plaintext_len;           /* > 0 */
    const uint8_t *protected_frame; /* after E2EE: what is packetized */
    size_t protected_len;           /* > 0 */
    /* Bytes at the start of protected_frame declared readable: the SFrame
     * header (sframe), the clear prefix (insertable-legacy), everything
     * (none). */
    size_t clear_head;
    /* Bytes at the end declared readable: the legacy trailer's IV, IV
     * length and key index (14); 0 otherwise. clear_head + clear_tail <=
     * protected_len. */
    size_t clear_tail;
    /* Offset in protected_frame of plaintext byte 0: the SFrame header
     * length (sframe), 0 (legacy, none); <= protected_len. */
    size_t plain_offset;
    /* A declaration beyond what the declared scheme allows is refused, so
     * that a harness bug cannot hide a leak: sframe clear_head <= 17 (the
     * longest SFrame header) and clear_tail 0; insertable-legacy clear_head
     * <= 10 and clear_tail <= 14; none anything. */
} sim__oracle_frame_t;

/* Registers a sent frame at now_us (virtual time); first drops frames
 * older than retention_ms, then the oldest ones the bounds require.
 * Errors: SIM__ORACLE_ERR_INVALID_ARG (NULL, empty buffers, clear_head +
 * clear_tail or plain_offset beyond protected_len),
 * SIM__ORACLE_ERR_TOO_LARGE (plaintext + protected above max_bytes, or
 * more windows than max_windows); a rejected frame is also counted. */
sim__oracle_err_t sim__oracle_frame_sent(sim__oracle_t *oracle, uint64_t now_us,
                                         const sim__oracle_frame_t *frame);

/* One packet as the SFU handles it; an sfu_observer_fn with `oracle` as its
 * context. Never fails: a packet that does not parse (or a NULL view) is
 * counted as malformed. */
void sim__oracle_observe(void *oracle, uint64_t now_us, const sfu_packet_view_t *packet);

/* The report's "confidentiality" object (names as in
 * docs/report-format.md), then what the invariant's detail and debugging
 * need. */
typedef struct sim__oracle_result {
    const char *verdict;                 /* "ciphertext-only" or "leak" (static) */
    uint64_t packets_inspected;          /* RTP packets parsed (duplicates included) */
    uint64_t payload_bytes_inspected;    /* their payload bytes (after RTX unwrap) */
    uint64_t clear_bytes_max_per_packet; /* RTP header + extensions (+ RTX OSN) + VP8
                                            descriptor + declared clear parts in it */
    uint64_t plaintext_window_hits;      /* (a): packets holding a plaintext window */
    uint64_t keystream_relation_hits;    /* (b): packets with (1) or (2) */
    uint64_t nonce_reuse;                /* (c): repeats of a nonce triple */
    double uniformity_min_p;             /* (d): lowest p; 1.0 when no stream was tested */
    uint64_t streams_tested;             /* (d): streams with enough bytes */
    /* The first finding: check, participant, track, layer, SSRC, RTP
     * timestamp (uniformity: the stream with the lowest p); "" if none. */
    char first_finding[SIM__ORACLE_FINDING_MAX];

    /* Breakdown and bookkeeping. */
    uint64_t keystream_periodic; /* packets with (b)(1) */
    uint64_t keystream_repeat;   /* frames with (b)(2) */
    uint64_t packets_observed;   /* every call of sim__oracle_observe */
    uint64_t malformed;          /* RTP, RTX or VP8 descriptor that does not parse */
    uint64_t unknown_stream;     /* undeclared track, layer or SSRC (scanned by (a) only) */
    uint64_t rtx_unwrapped;
    uint64_t rtx_empty;          /* padding-only RTX (probes): nothing to inspect */
    uint64_t unmatched;          /* chunk not found in a registered frame */
    uint64_t duplicates;         /* located chunks seen before */
    uint64_t stream_mismatch;    /* located in a frame registered for another participant,
                                    track or layer than the view names */
    uint64_t sframe_header_bad;  /* sframe: no valid SFrame header at a frame start */
    uint64_t legacy_trailer_bad; /* legacy: IV length byte not 12, or too short */
    uint64_t frames_registered;  /* accepted by sim__oracle_frame_sent */
    uint64_t frames_rejected;    /* refused (invalid or too large) */
    uint64_t frames_expired;     /* dropped after retention_ms */
    uint64_t frames_evicted;     /* dropped early for max_frames, max_bytes or max_windows */
    uint64_t fingerprints_evicted;
    uint64_t nonces_evicted;
    uint64_t cover_overflow; /* chunks left out of (d) for lack of a seen-range slot */
} sim__oracle_result_t;

void sim__oracle_result(const sim__oracle_t *oracle, sim__oracle_result_t *out);

/* --- Statistics, exposed for tests ---------------------------------------- */

/* The upper regularized incomplete gamma function Q(a, x) = Gamma(a, x) /
 * Gamma(a), a > 0, x >= 0: series for x < a + 1, continued fraction
 * otherwise (Numerical Recipes 6.2). NaN for arguments out of range. */
double sim__oracle_gamma_q(double a, double x);

/* The chi-square upper tail: P(X >= chi2) for `dof` degrees of freedom. */
double sim__oracle_chi2_p(double chi2, unsigned dof);

#endif
