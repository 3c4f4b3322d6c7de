/* The replay's key input, key matching and looks_encrypted
 * (sim/replay_inspect.h).
 *
 * Keys: a table of --srtp-key specs, good and bad (base64 alphabet,
 * padding, canonical bits, lengths, profiles, IPv4 and IPv6 filters), and
 * --dtls-srtp-material split into its client and server keys.
 * Matching: packets protected here with a known key through an hbh tx
 * session, opened among wrong and right candidates, with address filters,
 * for RTP and RTCP. looks_encrypted: seeded pseudo-random bytes, the plain
 * VP8 payloads of vectors/pcap/str0m-vp8.pcap (read with libpcap), and the
 * same payloads SFrame-encrypted behind their clear VP8 descriptors. */
#include "sim/replay_inspect.h"

#include "rtp/rtp_packet.h"
#include "sframe/sframe.h"

#include <math.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

/* --- Key specs ---------------------------------------------------------- */

/* base64 of bytes 0..29 (AES_CM: 16 + 14) and 0..27 (GCM: 16 + 12). */
#define KEY30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define KEY28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="

typedef struct spec_case {
    const char *spec;
    bool ok;
    const char *err_part; /* a piece of the message, when !ok */
    bool has_filter;
    uint8_t family;
    uint16_t port;
} spec_case_t;

static const spec_case_t spec_cases[] = {
    { "AES_CM_128_HMAC_SHA1_80:" KEY30, true, NULL, false, 0, 0 },
    { "AEAD_AES_128_GCM:" KEY28, true, NULL, false, 0, 0 },
    { "10.0.0.1:5004=AES_CM_128_HMAC_SHA1_80:" KEY30, true, NULL, true, 4, 5004 },
    { "[2001:db8::1]:6000=AEAD_AES_128_GCM:" KEY28, true, NULL, true, 6, 6000 },
    { "[::1]:1=AES_CM_128_HMAC_SHA1_80:" KEY30, true, NULL, true, 6, 1 },
    /* Wrong lengths: GCM key under AES_CM, one byte short, one too long. */
    { "AES_CM_128_HMAC_SHA1_80:" KEY28, false, "decodes to 28 bytes, not 30", false, 0, 0 },
    { "AEAD_AES_128_GCM:" KEY30, false, "decodes to 30 bytes, not 28", false, 0, 0 },
    { "AES_CM_128_HMAC_SHA1_80:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", false,
      "decodes to 32 bytes, not 30", false, 0, 0 },
    { "AES_CM_128_HMAC_SHA1_80:" KEY30 KEY30, false, "decodes to more than 30 bytes", false, 0, 0 },
    /* Base64 strictness. */
    { "AES_CM_128_HMAC_SHA1_80:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw", false,
      "not a multiple of 4", false, 0, 0 },
    { "AES_CM_128_HMAC_SHA1_80:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG-wd", false, "outside RFC 4648",
      false, 0, 0 },
    { "AES_CM_128_HMAC_SHA1_80:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG_wd", false, "outside RFC 4648",
      false, 0, 0 },
    { "AES_CM_128_HMAC_SHA1_80:AAEC=wQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd", false, "only at the end",
      false, 0, 0 },
    { "AEAD_AES_128_GCM:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx==", false, "not canonical", false, 0,
      0 },
    { "AES_CM_128_HMAC_SHA1_80:", false, "no key after", false, 0, 0 },
    { "AES_CM_128_HMAC_SHA1_80:" KEY30 "|2^20|1:4", false, "lifetime and MKI", false, 0, 0 },
    /* Profiles. */
    { "AES_CM_128_HMAC_SHA1_32:" KEY30, false, "unknown profile 'AES_CM_128_HMAC_SHA1_32'", false,
      0, 0 },
    { "aes_cm_128_hmac_sha1_80:" KEY30, false, "unknown profile", false, 0, 0 },
    { "none:" KEY30, false, "profile 'none' has no key", false, 0, 0 },
    { ":" KEY30, false, "no profile", false, 0, 0 },
    { KEY30, false, "expected [SRC_IP:PORT=]", false, 0, 0 },
    /* Addresses. */
    { "10.0.0.1=AES_CM_128_HMAC_SHA1_80:" KEY30, false, "address '10.0.0.1'", false, 0, 0 },
    { "2001:db8::1:6000=AES_CM_128_HMAC_SHA1_80:" KEY30, false, "is not IPv4", false, 0, 0 },
    { "[2001:db8::1=AES_CM_128_HMAC_SHA1_80:" KEY30, false, "is not IPv4", false, 0, 0 },
    { "300.0.0.1:5=AES_CM_128_HMAC_SHA1_80:" KEY30, false, "is not IPv4", false, 0, 0 },
    { "=AES_CM_128_HMAC_SHA1_80:" KEY30, false, "empty address", false, 0, 0 },
    { "[::1]:5=" KEY30, false, "unknown profile", false, 0, 0 },
    { "", false, "expected", false, 0, 0 },
};

START_TEST(test_spec)
{
    const spec_case_t *c = &spec_cases[_i];
    sim__inspect_keys_t *keys = sim__inspect_keys_new();
    ck_assert_ptr_nonnull(keys);
    char err[SIM__INSPECT_ERR_LEN] = "";
    bool ok = sim__inspect_keys_add_spec(keys, c->spec, 2, err, sizeof err);
    ck_assert_msg(ok == c->ok, "spec '%s': got %d (%s)", c->spec, ok, err);
    if (ok) {
        ck_assert_uint_eq(sim__inspect_keys_count(keys), 1);
        const sim__inspect_key_t *k = sim__inspect_keys_get(keys, 0);
        ck_assert_str_eq(k->label, "--srtp-key 2");
        const hbh_profile_info_t *info = hbh_profile_info(k->profile);
        ck_assert_uint_eq(k->key_salt_len, info->key_len + info->salt_len);
        for (size_t i = 0; i < k->key_salt_len; i++)
            ck_assert_uint_eq(k->key_salt[i], i);
        ck_assert(k->has_filter == c->has_filter);
        if (c->has_filter) {
            ck_assert_uint_eq(k->filter.family, c->family);
            ck_assert_uint_eq(k->filter.port, c->port);
        }
    } else {
        ck_assert_uint_eq(sim__inspect_keys_count(keys), 0);
        ck_assert_msg(strncmp(err, "--srtp-key 2: ", 14) == 0, "message '%s'", err);
        ck_assert_msg(strstr(err, c->err_part), "spec '%s': message '%s' lacks '%s'", c->spec, err,
                      c->err_part);
        ck_assert_ptr_null(strchr(err, '\n'));
    }
    sim__inspect_keys_free(keys);
}
END_TEST

START_TEST(test_spec_null_and_full)
{
    char err[SIM__INSPECT_ERR_LEN];
    ck_assert(!sim__inspect_keys_add_spec(NULL, "x", 1, err, sizeof err));
    sim__inspect_keys_t *keys = sim__inspect_keys_new();
    ck_assert(!sim__inspect_keys_add_spec(keys, NULL, 1, NULL, 0));
    for (unsigned i = 0; i < SIM__INSPECT_MAX_KEYS; i++)
        ck_assert(sim__inspect_keys_add_spec(keys, "AES_CM_128_HMAC_SHA1_80:" KEY30, i + 1, err,
                                             sizeof err));
    ck_assert(
        !sim__inspect_keys_add_spec(keys, "AES_CM_128_HMAC_SHA1_80:" KEY30, 65, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "more than 64 keys"));
    ck_assert_ptr_null(sim__inspect_keys_get(keys, SIM__INSPECT_MAX_KEYS));
    sim__inspect_keys_free(keys);
    sim__inspect_keys_free(NULL);
}
END_TEST

/* --- DTLS-SRTP material ----------------------------------------------------- */

static void hex_of(const uint8_t *bytes, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02X", bytes[i]);
}

START_TEST(test_material)
{
    /* Given material 0..59 for AES_CM: client key 0..15, server key
     * 16..31, client salt 32..45, server salt 46..59. */
    uint8_t material[60];
    for (size_t i = 0; i < sizeof material; i++)
        material[i] = (uint8_t)i;
    char hex[121];
    hex_of(material, sizeof material, hex);
    sim__inspect_keys_t *keys = sim__inspect_keys_new();
    char err[SIM__INSPECT_ERR_LEN] = "";
    ck_assert_msg(sim__inspect_keys_add_material(keys, hex, HBH_PROFILE_NONE, err, sizeof err),
                  "%s", err);
    ck_assert_uint_eq(sim__inspect_keys_count(keys), 2);
    const sim__inspect_key_t *client = sim__inspect_keys_get(keys, 0);
    const sim__inspect_key_t *server = sim__inspect_keys_get(keys, 1);
    ck_assert_str_eq(client->label, "--dtls-srtp-material client");
    ck_assert_str_eq(server->label, "--dtls-srtp-material server");
    ck_assert_int_eq(client->profile, HBH_PROFILE_AES_CM_128_HMAC_SHA1_80);
    ck_assert_uint_eq(client->key_salt_len, 30);
    for (size_t i = 0; i < 16; i++) {
        ck_assert_uint_eq(client->key_salt[i], i);
        ck_assert_uint_eq(server->key_salt[i], 16 + i);
    }
    for (size_t i = 0; i < 14; i++) {
        ck_assert_uint_eq(client->key_salt[16 + i], 32 + i);
        ck_assert_uint_eq(server->key_salt[16 + i], 46 + i);
    }
    ck_assert(!client->has_filter);

    /* GCM: 56 bytes, inferred, and lower case accepted. */
    hex_of(material, 56, hex);
    for (char *p = hex; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    ck_assert(sim__inspect_keys_add_material(keys, hex, HBH_PROFILE_NONE, err, sizeof err));
    ck_assert_int_eq(sim__inspect_keys_get(keys, 2)->profile, HBH_PROFILE_AEAD_AES_128_GCM);
    ck_assert_uint_eq(sim__inspect_keys_get(keys, 3)->key_salt[16], 16 + 16 + 12);

    /* Errors. */
    ck_assert(!sim__inspect_keys_add_material(keys, hex, HBH_PROFILE_AES_CM_128_HMAC_SHA1_80, err,
                                              sizeof err));
    ck_assert_str_eq(err, "--dtls-srtp-material: 56 bytes is not 60 for AES_CM_128_HMAC_SHA1_80");
    ck_assert(!sim__inspect_keys_add_material(keys, "abc", HBH_PROFILE_NONE, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "odd number"));
    ck_assert(!sim__inspect_keys_add_material(keys, "zz", HBH_PROFILE_NONE, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "not a hex digit"));
    ck_assert(!sim__inspect_keys_add_material(keys, "00", HBH_PROFILE_NONE, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "1 bytes is not 60"));
    ck_assert(!sim__inspect_keys_add_material(keys, "", HBH_PROFILE_NONE, err, sizeof err));
    ck_assert(!sim__inspect_keys_add_material(keys, hex, (hbh_profile_t)7, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "unknown profile"));
    ck_assert_uint_eq(sim__inspect_keys_count(keys), 4);
    sim__inspect_keys_free(keys);
}
END_TEST

/* --- Matching ---------------------------------------------------------------- */

#define RIGHT_KEY "AES_CM_128_HMAC_SHA1_80:" KEY30
/* bytes 1..30 */
#define WRONG_KEY "AES_CM_128_HMAC_SHA1_80:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"

typedef struct wire {
    uint32_t words[400]; /* 4-byte aligned for hbh */
    size_t len;
} wire_t;

static uint8_t *bytes_of(wire_t *w)
{
    return (uint8_t *)w->words;
}

/* Protects `count` RTP packets (and, with rtcp, RTCP RRs) with key 0..29. */
static hbh_session_t *tx_session(void)
{
    uint8_t key_salt[30];
    for (size_t i = 0; i < sizeof key_salt; i++)
        key_salt[i] = (uint8_t)i;
    hbh_config_t config = hbh_config_default(HBH_PROFILE_AES_CM_128_HMAC_SHA1_80);
    hbh_session_t *tx = NULL;
    ck_assert_int_eq(hbh_session_new_keys(&config, key_salt, sizeof key_salt, NULL, 0, &tx),
                     HBH_OK);
    return tx;
}

static void protect_rtp(hbh_session_t *tx, uint16_t seq, wire_t *w, wire_t *plain)
{
    uint8_t payload[100];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(seq + i);
    rtp_header_t h = { .payload_type = 96, .seq = seq, .timestamp = 1000u * seq, .ssrc = 0x1234 };
    ck_assert_int_eq(rtp_write(&h, payload, sizeof payload, 0, bytes_of(plain), sizeof plain->words,
                               &plain->len),
                     RTP_OK);
    memcpy(bytes_of(w), bytes_of(plain), plain->len);
    ck_assert_int_eq(hbh_protect_rtp(tx, bytes_of(w), plain->len, sizeof w->words, &w->len),
                     HBH_OK);
}

static void protect_rtcp(hbh_session_t *tx, wire_t *w, wire_t *plain)
{
    /* A receiver report without report blocks, then an empty APP-less
     * padding-free second RR: 16 bytes in all. */
    static const uint8_t rr[16] = { 0x80, 201, 0, 1, 0, 0, 0x12, 0x34,
                                    0x80, 201, 0, 1, 0, 0, 0x12, 0x35 };
    memcpy(bytes_of(plain), rr, sizeof rr);
    plain->len = sizeof rr;
    memcpy(bytes_of(w), rr, sizeof rr);
    ck_assert_int_eq(hbh_protect_rtcp(tx, bytes_of(w), sizeof rr, sizeof w->words, &w->len),
                     HBH_OK);
}

static sim__inspect_keys_t *ring(const char *const *specs, size_t count)
{
    sim__inspect_keys_t *keys = sim__inspect_keys_new();
    char err[SIM__INSPECT_ERR_LEN] = "";
    for (size_t i = 0; i < count; i++)
        ck_assert_msg(sim__inspect_keys_add_spec(keys, specs[i], (unsigned)i + 1, err, sizeof err),
                      "%s", err);
    return keys;
}

START_TEST(test_match_right_among_wrong)
{
    /* Given a stream protected with the right key, and candidates [wrong,
     * right]. */
    const char *specs[] = { WRONG_KEY, RIGHT_KEY };
    sim__inspect_keys_t *keys = ring(specs, 2);
    sim__streams_endpoint_t src = { .family = 4, .addr = { 10, 0, 0, 1 }, .port = 5004 };
    sim__inspect_stream_t *stream = NULL;
    ck_assert_int_eq(sim__inspect_stream_new(keys, &src, &stream), HBH_OK);
    sim__inspect_keys_free(keys); /* the stream keeps what it needs */
    ck_assert_uint_eq(sim__inspect_stream_candidates(stream), 2);
    ck_assert_uint_eq(sim__inspect_stream_key(stream), SIM__INSPECT_NO_KEY);
    hbh_session_t *tx = tx_session();
    wire_t w, plain, out;
    /* When each packet is matched, then key 1 opens it, byte-exact, and
     * the packet given is left as it was. */
    for (uint16_t seq = 1; seq <= 5; seq++) {
        protect_rtp(tx, seq, &w, &plain);
        wire_t before = w;
        size_t out_len = 0, key_index = 99;
        ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out),
                                            sizeof out.words, &out_len, &key_index),
                         SIM__INSPECT_OPENED);
        ck_assert_uint_eq(key_index, 1);
        ck_assert_uint_eq(out_len, plain.len);
        ck_assert_mem_eq(bytes_of(&out), bytes_of(&plain), plain.len);
        ck_assert_mem_eq(bytes_of(&w), bytes_of(&before), w.len);
    }
    ck_assert_uint_eq(sim__inspect_stream_key(stream), 1);
    /* A replayed packet fails the matched session's replay window. */
    size_t out_len = 0, key_index = 0;
    ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_REJECTED);
    ck_assert_uint_eq(key_index, SIM__INSPECT_NO_KEY);
    /* A tampered one fails its tag. */
    protect_rtp(tx, 6, &w, &plain);
    bytes_of(&w)[20] ^= 1;
    ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, NULL),
                     SIM__INSPECT_REJECTED);
    /* Malformed and invalid input. */
    ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), 5, bytes_of(&out),
                                        sizeof out.words, &out_len, NULL),
                     SIM__INSPECT_MALFORMED);
    ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out) + 1,
                                        sizeof out.words - 1, &out_len, NULL),
                     SIM__INSPECT_INVALID);
    ck_assert_int_eq(
        sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out), 4, &out_len, NULL),
        SIM__INSPECT_INVALID);
    ck_assert_int_eq(sim__inspect_match(NULL, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, NULL),
                     SIM__INSPECT_INVALID);
    sim__inspect_stream_counters_t n = sim__inspect_stream_counters(stream);
    ck_assert_uint_eq(n.opened, 5);
    ck_assert_uint_eq(n.rejected, 2);
    ck_assert_uint_eq(n.malformed, 1);
    ck_assert_str_eq(sim__inspect_match_name(SIM__INSPECT_UNDECRYPTABLE), "undecryptable");
    ck_assert_str_eq(sim__inspect_match_name((sim__inspect_match_status_t)42), "?");
    hbh_session_free(tx);
    sim__inspect_stream_free(stream);
}
END_TEST

START_TEST(test_match_wrong_only)
{
    const char *specs[] = { WRONG_KEY };
    sim__inspect_keys_t *keys = ring(specs, 1);
    sim__inspect_stream_t *stream = NULL;
    ck_assert_int_eq(sim__inspect_stream_new(keys, NULL, &stream), HBH_OK);
    hbh_session_t *tx = tx_session();
    wire_t w, plain, out;
    for (uint16_t seq = 1; seq <= 3; seq++) {
        protect_rtp(tx, seq, &w, &plain);
        size_t out_len = 0, key_index = 0;
        ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out),
                                            sizeof out.words, &out_len, &key_index),
                         SIM__INSPECT_UNDECRYPTABLE);
        ck_assert_uint_eq(key_index, SIM__INSPECT_NO_KEY);
    }
    ck_assert_uint_eq(sim__inspect_stream_counters(stream).undecryptable, 3);
    ck_assert_uint_eq(sim__inspect_stream_key(stream), SIM__INSPECT_NO_KEY);
    hbh_session_free(tx);
    sim__inspect_stream_free(stream);
    sim__inspect_keys_free(keys);
}
END_TEST

START_TEST(test_match_address_filter)
{
    /* Given the right key bound to 10.0.0.2:5004 and the wrong one
     * unbound. */
    const char *specs[] = { WRONG_KEY, "10.0.0.2:5004=" RIGHT_KEY };
    sim__inspect_keys_t *keys = ring(specs, 2);
    sim__streams_endpoint_t other = { .family = 4, .addr = { 10, 0, 0, 1 }, .port = 5004 };
    sim__streams_endpoint_t other_port = { .family = 4, .addr = { 10, 0, 0, 2 }, .port = 5005 };
    sim__streams_endpoint_t bound = { .family = 4, .addr = { 10, 0, 0, 2 }, .port = 5004 };
    sim__inspect_stream_t *excluded = NULL, *excluded_port = NULL, *included = NULL;
    sim__inspect_stream_t *no_src = NULL;
    ck_assert_int_eq(sim__inspect_stream_new(keys, &other, &excluded), HBH_OK);
    ck_assert_int_eq(sim__inspect_stream_new(keys, &other_port, &excluded_port), HBH_OK);
    ck_assert_int_eq(sim__inspect_stream_new(keys, &bound, &included), HBH_OK);
    ck_assert_int_eq(sim__inspect_stream_new(keys, NULL, &no_src), HBH_OK);
    ck_assert_uint_eq(sim__inspect_stream_candidates(excluded), 1);
    ck_assert_uint_eq(sim__inspect_stream_candidates(excluded_port), 1);
    ck_assert_uint_eq(sim__inspect_stream_candidates(included), 2);
    ck_assert_uint_eq(sim__inspect_stream_candidates(no_src), 1);
    hbh_session_t *tx = tx_session();
    wire_t w, plain, out;
    protect_rtp(tx, 7, &w, &plain);
    size_t out_len = 0, key_index = 0;
    /* Then the right key opens the stream from its address only. */
    ck_assert_int_eq(sim__inspect_match(excluded, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_UNDECRYPTABLE);
    ck_assert_int_eq(sim__inspect_match(excluded_port, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_UNDECRYPTABLE);
    ck_assert_int_eq(sim__inspect_match(included, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_OPENED);
    ck_assert_uint_eq(key_index, 1);
    /* A stream without candidates is legal: everything undecryptable. */
    sim__inspect_keys_t *empty = sim__inspect_keys_new();
    sim__inspect_stream_t *bare = NULL;
    ck_assert_int_eq(sim__inspect_stream_new(empty, &bound, &bare), HBH_OK);
    ck_assert_int_eq(sim__inspect_match(bare, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, NULL),
                     SIM__INSPECT_UNDECRYPTABLE);
    ck_assert_int_eq(sim__inspect_stream_new(NULL, &bound, &bare), HBH_ERR_INVALID_ARG);
    sim__inspect_stream_free(bare);
    sim__inspect_keys_free(empty);
    hbh_session_free(tx);
    sim__inspect_stream_free(excluded);
    sim__inspect_stream_free(excluded_port);
    sim__inspect_stream_free(included);
    sim__inspect_stream_free(no_src);
    sim__inspect_keys_free(keys);
}
END_TEST

START_TEST(test_match_rtcp)
{
    const char *specs[] = { WRONG_KEY, RIGHT_KEY };
    sim__inspect_keys_t *keys = ring(specs, 2);
    sim__inspect_stream_t *stream = NULL;
    ck_assert_int_eq(sim__inspect_stream_new(keys, NULL, &stream), HBH_OK);
    hbh_session_t *tx = tx_session();
    wire_t w, plain, out;
    /* SRTCP first: it decides the stream's key, which RTP then uses. */
    protect_rtcp(tx, &w, &plain);
    size_t out_len = 0, key_index = 0;
    ck_assert_int_eq(sim__inspect_match(stream, true, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_OPENED);
    ck_assert_uint_eq(key_index, 1);
    ck_assert_uint_eq(out_len, plain.len);
    ck_assert_mem_eq(bytes_of(&out), bytes_of(&plain), plain.len);
    protect_rtp(tx, 1, &w, &plain);
    ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_OPENED);
    ck_assert_uint_eq(key_index, 1);
    sim__inspect_stream_free(stream);

    /* SRTCP under a wrong key only. */
    const char *wrong[] = { WRONG_KEY };
    sim__inspect_keys_t *wrong_keys = ring(wrong, 1);
    ck_assert_int_eq(sim__inspect_stream_new(wrong_keys, NULL, &stream), HBH_OK);
    protect_rtcp(tx, &w, &plain);
    ck_assert_int_eq(sim__inspect_match(stream, true, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_UNDECRYPTABLE);
    sim__inspect_stream_free(stream);
    sim__inspect_keys_free(wrong_keys);
    hbh_session_free(tx);
    sim__inspect_keys_free(keys);
}
END_TEST

START_TEST(test_match_dtls_material)
{
    /* Given material whose server half protected the stream: the server
     * candidate (index 1) opens it. */
    uint8_t material[60];
    for (size_t i = 0; i < sizeof material; i++)
        material[i] = (uint8_t)(200 - i);
    char hex[121];
    hex_of(material, sizeof material, hex);
    sim__inspect_keys_t *keys = sim__inspect_keys_new();
    ck_assert(sim__inspect_keys_add_material(keys, hex, HBH_PROFILE_NONE, NULL, 0));
    hbh_config_t config = hbh_config_default(HBH_PROFILE_AES_CM_128_HMAC_SHA1_80);
    hbh_session_t *server = NULL;
    ck_assert_int_eq(hbh_session_new(&config, HBH_ROLE_SERVER, material, sizeof material, &server),
                     HBH_OK);
    sim__inspect_stream_t *stream = NULL;
    ck_assert_int_eq(sim__inspect_stream_new(keys, NULL, &stream), HBH_OK);
    wire_t w, plain, out;
    protect_rtp(server, 3, &w, &plain);
    size_t out_len = 0, key_index = 0;
    ck_assert_int_eq(sim__inspect_match(stream, false, bytes_of(&w), w.len, bytes_of(&out),
                                        sizeof out.words, &out_len, &key_index),
                     SIM__INSPECT_OPENED);
    ck_assert_uint_eq(key_index, 1);
    ck_assert_str_eq(sim__inspect_keys_get(keys, key_index)->label, "--dtls-srtp-material server");
    sim__inspect_stream_free(stream);
    hbh_session_free(server);
    sim__inspect_keys_free(keys);
}
END_TEST

/* --- looks_encrypted --------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

START_TEST(test_uniform_random)
{
    sim__inspect_payloads_t acc;
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_OPUS);
    uint64_t seed = 42;
    uint8_t payload[160];
    /* Too few bytes first: unknown, printed as false. */
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)splitmix64(&seed);
    sim__inspect_payloads_feed(&acc, payload, sizeof payload);
    sim__inspect_verdict_t v = sim__inspect_payloads_verdict(&acc);
    ck_assert(!v.looks_encrypted);
    ck_assert_str_eq(v.basis, "too-few-bytes");
    ck_assert(isnan(v.p_value));
    for (int n = 0; n < 200; n++) {
        for (size_t i = 0; i < sizeof payload; i++)
            payload[i] = (uint8_t)splitmix64(&seed);
        sim__inspect_payloads_feed(&acc, payload, sizeof payload);
    }
    v = sim__inspect_payloads_verdict(&acc);
    ck_assert_msg(v.looks_encrypted, "p = %g", v.p_value);
    ck_assert_str_eq(v.basis, "uniform");
    ck_assert_uint_eq(v.bytes,
                      201 * (sizeof payload - SIM__INSPECT_SKIP_HEAD - SIM__INSPECT_SKIP_TAIL));
    ck_assert_uint_eq(acc.payload_bytes, 201 * sizeof payload);

    /* Text-like bytes are not uniform. */
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_UNKNOWN);
    for (int n = 0; n < 100; n++) {
        for (size_t i = 0; i < sizeof payload; i++)
            payload[i] = (uint8_t)('a' + splitmix64(&seed) % 26);
        sim__inspect_payloads_feed(&acc, payload, sizeof payload);
    }
    v = sim__inspect_payloads_verdict(&acc);
    ck_assert(!v.looks_encrypted);
    ck_assert_str_eq(v.basis, "non-uniform");
    sim__inspect_payloads_feed(NULL, payload, 1);
    sim__inspect_payloads_feed(&acc, NULL, 1);
}
END_TEST

START_TEST(test_opus_sframe)
{
    /* Given 1000 Opus-sized frames (80 pseudo-random bytes) under SFrame:
     * the header repeats its first byte in every payload. */
    uint8_t base_key[16] = { 1 };
    sframe_sender_config_t config = sframe_sender_config_default(SFRAME_AES_128_GCM_SHA256_128);
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&config, base_key, sizeof base_key, &sender), SFRAME_OK);
    sim__inspect_payloads_t acc;
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_OPUS);
    uint64_t seed = 7;
    for (int n = 0; n < 1000; n++) {
        uint8_t frame[80], payload[160];
        for (size_t i = 0; i < sizeof frame; i++)
            frame[i] = (uint8_t)splitmix64(&seed);
        size_t len = 0;
        ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, frame, sizeof frame, payload,
                                               sizeof payload, &len),
                         SFRAME_OK);
        sim__inspect_payloads_feed(&acc, payload, len);
    }
    /* Then the bodies are uniform: the header is not tested. */
    sim__inspect_verdict_t v = sim__inspect_payloads_verdict(&acc);
    ck_assert_msg(v.looks_encrypted, "basis %s, p = %g", v.basis, v.p_value);
    /* Payloads no longer than head + tail add nothing to the histogram. */
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_OPUS);
    uint8_t shortest[SIM__INSPECT_SKIP_HEAD + SIM__INSPECT_SKIP_TAIL] = { 0 };
    sim__inspect_payloads_feed(&acc, shortest, sizeof shortest);
    ck_assert_uint_eq(acc.bytes, 0);
    ck_assert_uint_eq(acc.payload_bytes, sizeof shortest);
    sframe_sender_free(sender);
}
END_TEST

/* The RTP payloads of vectors/pcap/str0m-vp8.pcap: Ethernet/IPv4/UDP
 * (42 bytes of headers), 104 RTP packets of PT 96. */
typedef struct capture_payloads {
    uint8_t *bytes[128];
    size_t len[128];
    size_t count;
} capture_payloads_t;

static void read_vp8_capture(capture_payloads_t *out)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pcap = pcap_open_offline("vectors/pcap/str0m-vp8.pcap", errbuf);
    ck_assert_msg(pcap != NULL, "%s", errbuf);
    ck_assert_int_eq(pcap_datalink(pcap), DLT_EN10MB);
    memset(out, 0, sizeof *out);
    struct pcap_pkthdr *hdr;
    const u_char *frame;
    while (pcap_next_ex(pcap, &hdr, &frame) == 1) {
        ck_assert_uint_ge(hdr->caplen, 42);
        ck_assert_uint_eq(frame[12], 0x08); /* IPv4 */
        ck_assert_uint_eq(frame[13], 0x00);
        ck_assert_uint_eq(frame[14], 0x45); /* no IP options */
        ck_assert_uint_eq(frame[23], 17);   /* UDP */
        rtp_header_t h;
        ck_assert_int_eq(rtp_parse(frame + 42, hdr->caplen - 42, &h), RTP_OK);
        ck_assert_uint_eq(h.payload_type, 96);
        ck_assert_uint_lt(out->count, 128);
        out->bytes[out->count] = malloc(h.payload_len);
        memcpy(out->bytes[out->count], h.payload, h.payload_len);
        out->len[out->count] = h.payload_len;
        out->count++;
    }
    pcap_close(pcap);
    ck_assert_uint_eq(out->count, 104);
}

static void free_capture(capture_payloads_t *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->bytes[i]);
}

START_TEST(test_vp8_plain)
{
    capture_payloads_t cap;
    read_vp8_capture(&cap);
    sim__inspect_payloads_t acc;
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_VP8);
    for (size_t i = 0; i < cap.count; i++)
        sim__inspect_payloads_feed(&acc, cap.bytes[i], cap.len[i]);
    sim__inspect_verdict_t v = sim__inspect_payloads_verdict(&acc);
    ck_assert(!v.looks_encrypted);
    ck_assert_uint_eq(acc.descriptor_errors, 0);
    ck_assert_uint_gt(acc.frame_starts, 0);
    ck_assert_uint_ge(v.bytes, SIM__INSPECT_MIN_BYTES);
    /* The capture starts with a key frame: its start code is in clear, and
     * every frame tag is plausible. */
    ck_assert_uint_ge(acc.signatures, 1);
    ck_assert_uint_eq(acc.plausible_tags, acc.frame_starts - 1); /* the last is pending */
    ck_assert_str_eq(v.basis, "codec-signature");

    /* Without its key frames (start codes) the delta frame tags alone give
     * it away. */
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_VP8);
    for (size_t i = 0; i < cap.count; i++) {
        rtp_vp8_desc_t desc;
        size_t desc_len = 0;
        ck_assert_int_eq(rtp_vp8_desc_parse(cap.bytes[i], cap.len[i], &desc, &desc_len), RTP_OK);
        bool keyframe_start = rtp_vp8_desc_starts_frame(&desc) && desc_len < cap.len[i] &&
                              (cap.bytes[i][desc_len] & 1) == 0;
        if (!keyframe_start)
            sim__inspect_payloads_feed(&acc, cap.bytes[i], cap.len[i]);
    }
    v = sim__inspect_payloads_verdict(&acc);
    ck_assert_uint_eq(acc.signatures, 0);
    ck_assert_uint_ge(acc.frame_starts, SIM__INSPECT_MIN_FRAME_STARTS);
    ck_assert_str_eq(v.basis, "codec-signature");
    ck_assert(!v.looks_encrypted);

    /* Without the signature test (as an unknown codec) the bytes alone are
     * also far from uniform. */
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_UNKNOWN);
    for (size_t i = 0; i < cap.count; i++)
        sim__inspect_payloads_feed(&acc, cap.bytes[i], cap.len[i]);
    v = sim__inspect_payloads_verdict(&acc);
    ck_assert_msg(!v.looks_encrypted, "p = %g", v.p_value);
    ck_assert_str_eq(v.basis, "non-uniform");
    free_capture(&cap);
}
END_TEST

/* Counters of 1, 2 and 3 bytes in the SFrame header; KIDs inline and not. */
static const struct {
    uint64_t kid, first_ctr;
} sframe_cases[] = { { 3, 0 }, { 3, 300 }, { 5, 70000 }, { 1000, 0x1234 } };

START_TEST(test_vp8_sframe)
{
    /* Given each payload's VP8 data SFrame-protected (per packet, a test
     * key) behind its clear descriptor. */
    capture_payloads_t cap;
    read_vp8_capture(&cap);
    uint8_t base_key[16];
    for (size_t i = 0; i < sizeof base_key; i++)
        base_key[i] = (uint8_t)(0xa0 + i);
    sframe_sender_config_t config = sframe_sender_config_default(SFRAME_AES_128_GCM_SHA256_128);
    config.kid = sframe_cases[_i].kid;
    config.first_ctr = sframe_cases[_i].first_ctr;
    sframe_sender_t *sender = NULL;
    ck_assert_int_eq(sframe_sender_new(&config, base_key, sizeof base_key, &sender), SFRAME_OK);
    sim__inspect_payloads_t acc;
    sim__inspect_payloads_init(&acc, SIM__INSPECT_CODEC_VP8);
    size_t max_overhead = sframe_max_overhead(SFRAME_AES_128_GCM_SHA256_128);
    for (size_t i = 0; i < cap.count; i++) {
        rtp_vp8_desc_t desc;
        size_t desc_len = 0;
        ck_assert_int_eq(rtp_vp8_desc_parse(cap.bytes[i], cap.len[i], &desc, &desc_len), RTP_OK);
        size_t cap_len = cap.len[i] + max_overhead;
        uint8_t *protected_payload = malloc(cap_len);
        memcpy(protected_payload, cap.bytes[i], desc_len);
        size_t sframe_len = 0;
        ck_assert_int_eq(sframe_sender_protect(sender, NULL, 0, cap.bytes[i] + desc_len,
                                               cap.len[i] - desc_len, protected_payload + desc_len,
                                               cap_len - desc_len, &sframe_len),
                         SFRAME_OK);
        /* When fed. */
        sim__inspect_payloads_feed(&acc, protected_payload, desc_len + sframe_len);
        free(protected_payload);
    }
    /* Then it looks encrypted. */
    sim__inspect_verdict_t v = sim__inspect_payloads_verdict(&acc);
    ck_assert_msg(v.looks_encrypted, "case %d: basis %s, p = %g, tags %llu of %llu", _i, v.basis,
                  v.p_value, (unsigned long long)acc.plausible_tags,
                  (unsigned long long)acc.frame_starts);
    ck_assert_uint_eq(acc.signatures, 0);
    ck_assert_uint_lt(acc.plausible_tags * 10, acc.frame_starts * 9);
    ck_assert_uint_eq(acc.descriptor_errors, 0);
    sframe_sender_free(sender);
    free_capture(&cap);
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("replay_inspect");
    TCase *keys = tcase_create("keys");
    tcase_add_loop_test(keys, test_spec, 0, (int)(sizeof spec_cases / sizeof spec_cases[0]));
    tcase_add_test(keys, test_spec_null_and_full);
    tcase_add_test(keys, test_material);
    suite_add_tcase(s, keys);
    TCase *match = tcase_create("match");
    tcase_add_test(match, test_match_right_among_wrong);
    tcase_add_test(match, test_match_wrong_only);
    tcase_add_test(match, test_match_address_filter);
    tcase_add_test(match, test_match_rtcp);
    tcase_add_test(match, test_match_dtls_material);
    suite_add_tcase(s, match);
    TCase *uniform = tcase_create("looks_encrypted");
    tcase_add_test(uniform, test_uniform_random);
    tcase_add_test(uniform, test_opus_sframe);
    tcase_add_test(uniform, test_vp8_plain);
    tcase_add_loop_test(uniform, test_vp8_sframe, 0,
                        (int)(sizeof sframe_cases / sizeof sframe_cases[0]));
    suite_add_tcase(s, uniform);
    return s;
}
