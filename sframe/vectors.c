/* RFC 9605 test vectors in the sframe-wg JSON format (vectors/SOURCES.md),
 * read, validated and checked against this implementation.
 *
 * Exact 64-bit integers. The `header` section writes KIDs and CTRs up to
 * 2^64 - 1 as bare JSON numbers, and jansson reads integers as json_int_t
 * (int64_t) and refuses larger ones. So before json_loadb() a small lexer
 * walks the raw text, copies strings through untouched, and wraps every bare
 * number token in a string whose first byte is an escaped NUL: `123` becomes
 * `"\u0000123"` (loaded with JSON_ALLOW_NUL). A leading NUL cannot come from
 * the file itself: the lexer refuses a `\u0000` escape in the file's own
 * strings, as jansson does by default, and raw control bytes are invalid
 * JSON. A number field therefore must be such a marked string, whose digits
 * go through a strict unsigned 64-bit parser: digits only, no sign,
 * fraction, exponent or leading zero, and no overflow; a hex field must be
 * an unmarked string. Syntax errors are reported at the line and column of
 * the original text: the lexer records where it inserted bytes, and
 * jansson's error position is mapped back through those records.
 *
 * Validation names the JSON path of the first problem ("sframe[2].ct: not a
 * hex string"); unknown members are refused, so a misspelt field cannot go
 * unchecked. Checks, per RFC 9605:
 *  - header (section 4.3): encode(kid, ctr) gives `encoded`, every shorter
 *    prefix of it is truncated, and decode(encoded) gives kid and ctr.
 *  - aes_ctr_hmac (section 4.5.1): `enc_key` and `auth_key` are the two
 *    halves of `key`; AEAD.Encrypt(key, nonce, aad, pt) gives `ct`;
 *    AEAD.Decrypt gives `pt` back and refuses `ct` with its last byte
 *    flipped.
 *  - sframe (sections 4.4.2-4.4.3): the key and salt labels, then
 *    sframe_derive_key_salt() gives `sframe_key` and `sframe_salt`; `nonce`
 *    is the salt XOR the counter and `aad` the header then `metadata`; a
 *    sender (kid, first_ctr = ctr, base_key) protecting `pt` gives exactly
 *    `ct`; a receiver holding base_key for kid refuses `ct` with its last byte
 *    flipped and unprotects `ct` to `pt`. `sframe_secret` (HKDF-Extract) is
 *    not exposed by the API; only its length (Nh) is checked. */
#include "sframe/sframe_vectors.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsed vectors ---------------------------------------------------- */

typedef struct vec_bytes {
    uint8_t *bytes; /* never NULL once loaded, also for zero bytes */
    size_t len;
} vec_bytes_t;

typedef struct vec vec_t;
typedef bool (*vec_check_fn)(const vec_t *vec, char *why, size_t why_len);

typedef enum field_type { FIELD_U64, FIELD_HEX } field_type_t;

typedef struct field_spec {
    const char *name;
    field_type_t type;
    size_t offset; /* of a uint64_t or a vec_bytes_t in vec_t */
} field_spec_t;

typedef struct section_spec {
    const char *name;
    const field_spec_t *fields;
    size_t field_count;
    vec_check_fn check;
} section_spec_t;

struct vec {
    const section_spec_t *section;
    char name[48];
    uint64_t cipher_suite, kid, ctr;
    vec_bytes_t encoded, key, enc_key, auth_key, nonce, aad, pt, ct, base_key, key_label,
        salt_label, secret, sframe_key, sframe_salt, metadata;
};

struct sframe_vectors {
    vec_t *vecs;
    size_t count;
};

/* ---- comparing what the file says with what was computed -------------- */

static bool failf(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool failf(char *why, size_t why_len, const char *fmt, ...)
{
    if (why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Compares the file's `field` with `got`; names the first differing byte. */
static bool same_bytes(const char *field, const vec_bytes_t *want, const uint8_t *got,
                       size_t got_len, char *why, size_t why_len)
{
    size_t common = want->len < got_len ? want->len : got_len;
    for (size_t i = 0; i < common; i++)
        if (want->bytes[i] != got[i])
            return failf(why, why_len, "%s differs at byte %zu: file has %02x, computed %02x",
                         field, i, want->bytes[i], got[i]);
    if (want->len != got_len)
        return failf(why, why_len, "%s is %zu bytes in the file, computed %zu bytes", field,
                     want->len, got_len);
    return true;
}

static const sframe_suite_info_t *vec_suite(const vec_t *vec, char *why, size_t why_len)
{
    const sframe_suite_info_t *info = NULL;
    if (vec->cipher_suite <= 0xffff)
        info = sframe_suite_info((sframe_suite_t)vec->cipher_suite);
    if (info == NULL)
        failf(why, why_len, "cipher_suite %" PRIu64 " is not an RFC 9605 suite", vec->cipher_suite);
    return info;
}

static bool need_len(const char *field, const vec_bytes_t *value, size_t need, const char *what,
                     char *why, size_t why_len)
{
    if (value->len == need)
        return true;
    return failf(why, why_len, "%s is %zu bytes, the suite's %s is %zu", field, value->len, what,
                 need);
}

static void put_be(uint8_t *out, size_t width, uint64_t value)
{
    for (size_t i = width; i-- > 0; value >>= 8)
        out[i] = (uint8_t)value;
}

/* ---- header (RFC 9605 section 4.3) ------------------------------------ */

static bool check_header(const vec_t *vec, char *why, size_t why_len)
{
    uint8_t encoded[SFRAME_HEADER_MAX];
    size_t len = 0;
    sframe_err_t err = sframe_header_encode(vec->kid, vec->ctr, encoded, sizeof encoded, &len);
    if (err != SFRAME_OK)
        return failf(why, why_len, "encode failed: %s", sframe_errname(err));
    if (!same_bytes("encoded", &vec->encoded, encoded, len, why, why_len))
        return false;
    if (sframe_header_size(vec->kid, vec->ctr) != len)
        return failf(why, why_len, "sframe_header_size gives %zu, encode wrote %zu bytes",
                     sframe_header_size(vec->kid, vec->ctr), len);

    sframe_header_t header;
    size_t header_len = 0;
    for (size_t prefix = 0; prefix < len; prefix++) {
        err = sframe_header_decode(vec->encoded.bytes, prefix, &header, &header_len);
        if (err != SFRAME_ERR_TRUNCATED)
            return failf(why, why_len, "decode of the first %zu bytes gave %s, not %s", prefix,
                         sframe_errname(err), sframe_errname(SFRAME_ERR_TRUNCATED));
    }
    err = sframe_header_decode(vec->encoded.bytes, vec->encoded.len, &header, &header_len);
    if (err != SFRAME_OK)
        return failf(why, why_len, "decode of encoded failed: %s", sframe_errname(err));
    if (header_len != len)
        return failf(why, why_len, "decode read %zu bytes of %zu", header_len, len);
    if (header.kid != vec->kid)
        return failf(why, why_len, "kid decodes as %" PRIu64 ", file has %" PRIu64, header.kid,
                     vec->kid);
    if (header.ctr != vec->ctr)
        return failf(why, why_len, "ctr decodes as %" PRIu64 ", file has %" PRIu64, header.ctr,
                     vec->ctr);
    return true;
}

/* ---- aes_ctr_hmac (RFC 9605 section 4.5.1) ----------------------------- */

/* AEAD.Decrypt of `ct` with its last byte flipped must fail authentication.
 * `scratch` holds ct_len bytes; `out` receives up to out_cap. */
static bool refuses_flipped(const vec_t *vec, sframe_suite_t suite, const uint8_t *key,
                            uint8_t *scratch, uint8_t *out, size_t out_cap, char *why,
                            size_t why_len)
{
    if (vec->ct.len == 0)
        return true;
    memcpy(scratch, vec->ct.bytes, vec->ct.len);
    scratch[vec->ct.len - 1] ^= 0x01;
    size_t out_len = 0;
    sframe_err_t err =
        sframe_aead_decrypt(suite, key, vec->nonce.bytes, vec->aad.bytes, vec->aad.len, scratch,
                            vec->ct.len, out, out_cap, &out_len);
    if (err != SFRAME_ERR_AUTH)
        return failf(why, why_len, "decrypt of ct with its last byte flipped gave %s, not %s",
                     sframe_errname(err), sframe_errname(SFRAME_ERR_AUTH));
    return true;
}

static bool check_aes_ctr_hmac(const vec_t *vec, char *why, size_t why_len)
{
    const sframe_suite_info_t *info = vec_suite(vec, why, why_len);
    if (info == NULL)
        return false;
    if (info->nka == 0 || info->nka > info->nk)
        return failf(why, why_len, "cipher_suite %" PRIu64 " is not an AES-CTR + HMAC suite",
                     vec->cipher_suite);
    if (!need_len("key", &vec->key, info->nk, "Nk", why, why_len) ||
        !need_len("nonce", &vec->nonce, info->nn, "Nn", why, why_len))
        return false;
    /* Section 4.5.1: enc_key = key[..Nka], auth_key = key[Nka..]. */
    if (!same_bytes("enc_key", &vec->enc_key, vec->key.bytes, info->nka, why, why_len) ||
        !same_bytes("auth_key", &vec->auth_key, vec->key.bytes + info->nka, info->nk - info->nka,
                    why, why_len))
        return false;

    size_t cap = (vec->pt.len > vec->ct.len ? vec->pt.len : vec->ct.len) + info->nt;
    uint8_t *out = malloc(cap);
    uint8_t *scratch = malloc(vec->ct.len + 1);
    bool ok = false;
    if (out == NULL || scratch == NULL) {
        failf(why, why_len, "out of memory");
        goto done;
    }
    size_t out_len = 0;
    sframe_err_t err =
        sframe_aead_encrypt(info->id, vec->key.bytes, vec->nonce.bytes, vec->aad.bytes,
                            vec->aad.len, vec->pt.bytes, vec->pt.len, out, cap, &out_len);
    if (err != SFRAME_OK) {
        failf(why, why_len, "encrypt failed: %s", sframe_errname(err));
        goto done;
    }
    if (!same_bytes("ct", &vec->ct, out, out_len, why, why_len))
        goto done;
    err = sframe_aead_decrypt(info->id, vec->key.bytes, vec->nonce.bytes, vec->aad.bytes,
                              vec->aad.len, vec->ct.bytes, vec->ct.len, out, cap, &out_len);
    if (err != SFRAME_OK) {
        failf(why, why_len, "decrypt of ct failed: %s", sframe_errname(err));
        goto done;
    }
    if (!same_bytes("pt", &vec->pt, out, out_len, why, why_len))
        goto done;
    ok = refuses_flipped(vec, info->id, vec->key.bytes, scratch, out, cap, why, why_len);
done:
    free(out);
    free(scratch);
    return ok;
}

/* ---- sframe (RFC 9605 sections 4.4.2-4.4.3) ---------------------------- */

#define MAX_KEY   64 /* >= Nk of every suite */
#define MAX_NONCE 32 /* >= Nn of every suite */
#define LABEL_MAX 40

/* "SFrame 1.0 Secret key " or "... salt ", then KID (8 bytes) and the
 * cipher suite (2 bytes), big-endian. */
static size_t sframe_label(const char *prefix, uint64_t kid, uint64_t suite, uint8_t *out)
{
    size_t prefix_len = strlen(prefix);
    memcpy(out, prefix, prefix_len);
    put_be(out + prefix_len, 8, kid);
    put_be(out + prefix_len + 8, 2, suite);
    return prefix_len + 10;
}

static bool check_schedule(const vec_t *vec, const sframe_suite_info_t *info, char *why,
                           size_t why_len)
{
    uint8_t label[LABEL_MAX];
    size_t label_len = sframe_label("SFrame 1.0 Secret key ", vec->kid, info->id, label);
    if (!same_bytes("sframe_key_label", &vec->key_label, label, label_len, why, why_len))
        return false;
    label_len = sframe_label("SFrame 1.0 Secret salt ", vec->kid, info->id, label);
    if (!same_bytes("sframe_salt_label", &vec->salt_label, label, label_len, why, why_len))
        return false;
    if (!need_len("sframe_secret", &vec->secret, info->nh, "Nh", why, why_len))
        return false;
    if (info->nk > MAX_KEY || info->nn > MAX_NONCE || info->nn < 8)
        return failf(why, why_len, "suite sizes exceed this checker's buffers");

    uint8_t key[MAX_KEY], salt[MAX_NONCE];
    sframe_err_t err = sframe_derive_key_salt(info->id, vec->base_key.bytes, vec->base_key.len,
                                              vec->kid, key, salt);
    if (err != SFRAME_OK)
        return failf(why, why_len, "sframe_derive_key_salt failed: %s", sframe_errname(err));
    if (!same_bytes("sframe_key", &vec->sframe_key, key, info->nk, why, why_len) ||
        !same_bytes("sframe_salt", &vec->sframe_salt, salt, info->nn, why, why_len))
        return false;

    /* Section 4.4.3: nonce = salt XOR CTR, the counter right-aligned. */
    uint8_t nonce[MAX_NONCE], ctr_be[MAX_NONCE] = { 0 };
    put_be(ctr_be + info->nn - 8, 8, vec->ctr);
    for (size_t i = 0; i < info->nn; i++)
        nonce[i] = salt[i] ^ ctr_be[i];
    if (!same_bytes("nonce", &vec->nonce, nonce, info->nn, why, why_len))
        return false;

    /* aad = header || metadata. */
    uint8_t *aad = malloc(SFRAME_HEADER_MAX + vec->metadata.len);
    if (aad == NULL)
        return failf(why, why_len, "out of memory");
    size_t header_len = 0;
    err = sframe_header_encode(vec->kid, vec->ctr, aad, SFRAME_HEADER_MAX, &header_len);
    bool ok = err == SFRAME_OK;
    if (!ok)
        failf(why, why_len, "header encode failed: %s", sframe_errname(err));
    else {
        memcpy(aad + header_len, vec->metadata.bytes, vec->metadata.len);
        ok = same_bytes("aad", &vec->aad, aad, header_len + vec->metadata.len, why, why_len);
    }
    free(aad);
    return ok;
}

static bool check_sender(const vec_t *vec, const sframe_suite_info_t *info, uint8_t *out,
                         size_t cap, char *why, size_t why_len)
{
    sframe_sender_config_t config = sframe_sender_config_default(info->id);
    config.kid = vec->kid;
    config.first_ctr = vec->ctr;
    sframe_sender_t *sender = NULL;
    sframe_err_t err = sframe_sender_new(&config, vec->base_key.bytes, vec->base_key.len, &sender);
    if (err != SFRAME_OK)
        return failf(why, why_len, "sframe_sender_new failed: %s", sframe_errname(err));
    size_t out_len = 0;
    err = sframe_sender_protect(sender, vec->metadata.bytes, vec->metadata.len, vec->pt.bytes,
                                vec->pt.len, out, cap, &out_len);
    sframe_sender_free(sender);
    if (err != SFRAME_OK)
        return failf(why, why_len, "protect failed: %s", sframe_errname(err));
    return same_bytes("ct", &vec->ct, out, out_len, why, why_len);
}

static bool check_receiver(const vec_t *vec, const sframe_suite_info_t *info, uint8_t *out,
                           size_t cap, uint8_t *scratch, char *why, size_t why_len)
{
    sframe_receiver_config_t config = sframe_receiver_config_default(info->id);
    sframe_receiver_t *receiver = NULL;
    sframe_err_t err = sframe_receiver_new(&config, &receiver);
    if (err != SFRAME_OK)
        return failf(why, why_len, "sframe_receiver_new failed: %s", sframe_errname(err));
    bool ok = false;
    err = sframe_receiver_add_key(receiver, vec->kid, vec->base_key.bytes, vec->base_key.len);
    if (err != SFRAME_OK) {
        failf(why, why_len, "sframe_receiver_add_key failed: %s", sframe_errname(err));
        goto done;
    }
    /* A forgery first: it must be refused and leave the receiver as it was,
     * so the genuine frame with the same counter still goes through. */
    size_t out_len = 0;
    sframe_header_t header = { 0, 0 };
    if (vec->ct.len > 0) {
        memcpy(scratch, vec->ct.bytes, vec->ct.len);
        scratch[vec->ct.len - 1] ^= 0x01;
        err = sframe_receiver_unprotect(receiver, vec->metadata.bytes, vec->metadata.len, scratch,
                                        vec->ct.len, out, cap, &out_len, &header);
        if (err != SFRAME_ERR_AUTH) {
            failf(why, why_len, "unprotect of ct with its last byte flipped gave %s, not %s",
                  sframe_errname(err), sframe_errname(SFRAME_ERR_AUTH));
            goto done;
        }
    }
    err = sframe_receiver_unprotect(receiver, vec->metadata.bytes, vec->metadata.len, vec->ct.bytes,
                                    vec->ct.len, out, cap, &out_len, &header);
    if (err != SFRAME_OK) {
        failf(why, why_len, "unprotect of ct failed: %s", sframe_errname(err));
        goto done;
    }
    if (!same_bytes("pt", &vec->pt, out, out_len, why, why_len))
        goto done;
    if (header.kid != vec->kid || header.ctr != vec->ctr) {
        failf(why, why_len, "unprotect reported kid %" PRIu64 " ctr %" PRIu64, header.kid,
              header.ctr);
        goto done;
    }
    ok = true;
done:
    sframe_receiver_free(receiver);
    return ok;
}

static bool check_sframe(const vec_t *vec, char *why, size_t why_len)
{
    const sframe_suite_info_t *info = vec_suite(vec, why, why_len);
    if (info == NULL || !check_schedule(vec, info, why, why_len))
        return false;
    size_t cap =
        (vec->pt.len > vec->ct.len ? vec->pt.len : vec->ct.len) + sframe_max_overhead(info->id);
    uint8_t *out = malloc(cap);
    uint8_t *scratch = malloc(vec->ct.len + 1);
    bool ok = false;
    if (out == NULL || scratch == NULL)
        failf(why, why_len, "out of memory");
    else
        ok = check_sender(vec, info, out, cap, why, why_len) &&
             check_receiver(vec, info, out, cap, scratch, why, why_len);
    free(out);
    free(scratch);
    return ok;
}

/* ---- the format -------------------------------------------------------- */

/* The members of one field_spec_t row. */
#define U64(name, member) name, FIELD_U64, offsetof(vec_t, member)
#define HEX(name, member) name, FIELD_HEX, offsetof(vec_t, member)

static const field_spec_t header_fields[] = {
    { U64("kid", kid) },
    { U64("ctr", ctr) },
    { HEX("encoded", encoded) },
};

static const field_spec_t aes_ctr_hmac_fields[] = {
    { U64("cipher_suite", cipher_suite) },
    { HEX("key", key) },
    { HEX("enc_key", enc_key) },
    { HEX("auth_key", auth_key) },
    { HEX("nonce", nonce) },
    { HEX("aad", aad) },
    { HEX("pt", pt) },
    { HEX("ct", ct) },
};

static const field_spec_t sframe_fields[] = {
    { U64("cipher_suite", cipher_suite) },
    { U64("kid", kid) },
    { U64("ctr", ctr) },
    { HEX("base_key", base_key) },
    { HEX("sframe_key_label", key_label) },
    { HEX("sframe_salt_label", salt_label) },
    { HEX("sframe_secret", secret) },
    { HEX("sframe_key", sframe_key) },
    { HEX("sframe_salt", sframe_salt) },
    { HEX("metadata", metadata) },
    { HEX("nonce", nonce) },
    { HEX("aad", aad) },
    { HEX("pt", pt) },
    { HEX("ct", ct) },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* In this order, whatever the order in the file. */
static const section_spec_t sections[] = {
    { "header", header_fields, COUNT(header_fields), check_header },
    { "aes_ctr_hmac", aes_ctr_hmac_fields, COUNT(aes_ctr_hmac_fields), check_aes_ctr_hmac },
    { "sframe", sframe_fields, COUNT(sframe_fields), check_sframe },
};

/* ---- raw text: bare numbers become marked strings ---------------------- */

typedef struct text_buf {
    char *bytes;
    size_t len, cap;
} text_buf_t;

static bool text_put(text_buf_t *t, const char *bytes, size_t len)
{
    if (len > t->cap - t->len) {
        size_t cap = t->cap ? t->cap : 4096;
        while (len > cap - t->len)
            cap *= 2;
        char *grown = realloc(t->bytes, cap);
        if (grown == NULL)
            return false;
        t->bytes = grown;
        t->cap = cap;
    }
    memcpy(t->bytes + t->len, bytes, len);
    t->len += len;
    return true;
}

/* Where one number sat in the original text. */
typedef struct number_mark {
    size_t offset, len;
} number_mark_t;

#define MARK_OPEN     "\"\\u0000"
#define MARK_OPEN_LEN (sizeof MARK_OPEN - 1)

typedef struct marked_text {
    text_buf_t text;
    number_mark_t *marks;
    size_t mark_count, mark_cap;
    size_t bad_offset; /* of a \u0000 escape in the file's own strings */
    bool nul_escape, no_memory;
} marked_text_t;

static bool add_mark(marked_text_t *m, size_t offset, size_t len)
{
    if (m->mark_count == m->mark_cap) {
        size_t cap = m->mark_cap ? m->mark_cap * 2 : 256;
        number_mark_t *grown = realloc(m->marks, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        m->marks = grown;
        m->mark_cap = cap;
    }
    m->marks[m->mark_count++] = (number_mark_t){ offset, len };
    return true;
}

static bool is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies a string token starting at raw[i] == '"'; returns the index after
 * it (or the end, for an unterminated one, which jansson then reports). */
static size_t copy_string(marked_text_t *m, const char *raw, size_t len, size_t i)
{
    size_t start = i++;
    while (i < len && raw[i] != '"') {
        if (raw[i] == '\\' && i + 1 < len) {
            if (raw[i + 1] == 'u' && i + 5 < len && memcmp(raw + i + 2, "0000", 4) == 0 &&
                !m->nul_escape) {
                m->nul_escape = true;
                m->bad_offset = i;
            }
            i++;
        }
        i++;
    }
    if (i < len)
        i++;
    if (!text_put(&m->text, raw + start, i - start))
        m->no_memory = true;
    return i;
}

static bool mark_numbers(marked_text_t *m, const char *raw, size_t len)
{
    size_t i = 0;
    while (i < len && !m->no_memory) {
        char c = raw[i];
        if (c == '"') {
            i = copy_string(m, raw, len, i);
            continue;
        }
        if (c != '-' && !(c >= '0' && c <= '9')) {
            m->no_memory |= !text_put(&m->text, raw + i, 1);
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && is_number_char(raw[i]))
            i++;
        size_t next = i;
        while (next < len && is_json_space(raw[next]))
            next++;
        if (next < len && raw[next] == ':') {
            /* A number used as a member name: left bare for jansson to refuse. */
            m->no_memory |= !text_put(&m->text, raw + start, i - start);
            continue;
        }
        m->no_memory |= !add_mark(m, start, i - start) ||
                        !text_put(&m->text, MARK_OPEN, MARK_OPEN_LEN) ||
                        !text_put(&m->text, raw + start, i - start) || !text_put(&m->text, "\"", 1);
    }
    return !m->no_memory;
}

/* Maps an offset in the marked text back to the original. */
static size_t original_offset(const marked_text_t *m, size_t offset)
{
    size_t added = 0;
    for (size_t k = 0; k < m->mark_count; k++) {
        size_t start = m->marks[k].offset + added; /* of the mark in marked text */
        if (offset < start)
            break;
        size_t digits = start + MARK_OPEN_LEN;
        if (offset < digits)
            return m->marks[k].offset;
        if (offset <= digits + m->marks[k].len)
            return m->marks[k].offset + (offset - digits);
        added += MARK_OPEN_LEN + 1;
    }
    return offset - added;
}

/* ---- loading ----------------------------------------------------------- */

typedef struct loader {
    const char *path;
    char *err;
    size_t err_len;
} loader_t;

static void *load_fail(const loader_t *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void *load_fail(const loader_t *ld, const char *fmt, ...)
{
    if (ld->err_len == 0)
        return NULL;
    int n = snprintf(ld->err, ld->err_len, "%s: ", ld->path);
    if (n >= 0 && (size_t)n < ld->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err + n, ld->err_len - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* One line, whatever the path or jansson put in it. */
    for (char *p = ld->err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return NULL;
}

static char *read_file(const loader_t *ld, size_t *out_len)
{
    FILE *file = fopen(ld->path, "rb");
    if (file == NULL)
        return load_fail(ld, "cannot open: %s", strerror(errno));
    char *bytes = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(bytes, cap);
            if (grown == NULL) {
                free(bytes);
                fclose(file);
                return load_fail(ld, "out of memory");
            }
            bytes = grown;
        }
        size_t got = fread(bytes + len, 1, cap - len, file);
        len += got;
        if (got == 0)
            break;
    }
    int read_error = ferror(file) ? errno : 0;
    fclose(file);
    if (read_error) {
        int saved = read_error;
        free(bytes);
        return load_fail(ld, "cannot read: %s", strerror(saved));
    }
    *out_len = len;
    return bytes;
}

/* "line L, column C (byte B)" of an offset in the original text. */
static void describe_offset(const char *raw, size_t len, size_t offset, char *out, size_t out_len)
{
    if (offset > len)
        offset = len;
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < offset; i++)
        if (raw[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    snprintf(out, out_len, "line %zu, column %zu (byte %zu)", line, offset - line_start + 1,
             offset);
}

/* jansson's message with the marks this reader added taken out again: its
 * "near" text shows a marked number as "\u0000123", here 123. */
static void clean_message(const char *text, char *out, size_t out_len)
{
    static const char mark[] = MARK_OPEN;
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < out_len;) {
        if (strncmp(p, mark, MARK_OPEN_LEN) != 0) {
            out[n++] = *p++;
            continue;
        }
        for (p += MARK_OPEN_LEN; is_number_char(*p) && n + 1 < out_len;)
            out[n++] = *p++;
        if (*p == '"')
            p++;
    }
    out[n] = '\0';
}

static const char *json_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return json_string_length(value) > 0 && json_string_value(value)[0] == '\0' ? "a number"
                                                                                    : "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

static bool is_marked_number(const json_t *value)
{
    return json_is_string(value) && json_string_length(value) > 0 &&
           json_string_value(value)[0] == '\0';
}

/* Strict JSON unsigned integer: digits, no leading zero, at most 2^64 - 1. */
static bool load_u64(const loader_t *ld, const char *where, const json_t *value, uint64_t *out)
{
    if (!is_marked_number(value)) {
        load_fail(ld, "%s: expected an unsigned integer, got %s", where, json_type_name(value));
        return false;
    }
    const char *digits = json_string_value(value) + 1;
    size_t len = json_string_length(value) - 1;
    if (digits[0] == '-') {
        load_fail(ld, "%s: %.40s is negative; expected an unsigned 64-bit integer", where, digits);
        return false;
    }
    uint64_t number = 0;
    for (size_t i = 0; i < len; i++) {
        if (digits[i] < '0' || digits[i] > '9') {
            load_fail(ld, "%s: %.40s is not an integer", where, digits);
            return false;
        }
        unsigned digit = (unsigned)(digits[i] - '0');
        if (number > (UINT64_MAX - digit) / 10) {
            load_fail(ld, "%s: %.40s does not fit in 64 bits", where, digits);
            return false;
        }
        number = number * 10 + digit;
    }
    if (len > 1 && digits[0] == '0') {
        load_fail(ld, "%s: %.40s has a leading zero, which JSON forbids", where, digits);
        return false;
    }
    *out = number;
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool load_hex(const loader_t *ld, const char *where, const json_t *value, vec_bytes_t *out)
{
    if (!json_is_string(value) || is_marked_number(value)) {
        load_fail(ld, "%s: expected a hex string, got %s", where, json_type_name(value));
        return false;
    }
    const char *hex = json_string_value(value);
    size_t len = json_string_length(value);
    for (size_t i = 0; i < len; i++)
        if (hex_value(hex[i]) < 0) {
            load_fail(ld, "%s: not a hex string (character %zu)", where, i);
            return false;
        }
    if (len % 2 != 0) {
        load_fail(ld, "%s: not a hex string (odd number of digits, %zu)", where, len);
        return false;
    }
    out->len = len / 2;
    out->bytes = malloc(out->len + 1);
    if (out->bytes == NULL) {
        load_fail(ld, "out of memory");
        return false;
    }
    for (size_t i = 0; i < out->len; i++)
        out->bytes[i] = (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
    return true;
}

static bool load_vector(const loader_t *ld, const section_spec_t *section, size_t index,
                        const json_t *object, vec_t *vec)
{
    vec->section = section;
    snprintf(vec->name, sizeof vec->name, "%s[%zu]", section->name, index);
    if (!json_is_object(object)) {
        load_fail(ld, "%s: expected an object, got %s", vec->name, json_type_name(object));
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)object, key, value)
    {
        size_t f = 0;
        while (f < section->field_count && strcmp(section->fields[f].name, key) != 0)
            f++;
        if (f == section->field_count) {
            load_fail(ld, "%s: unknown member \"%.40s\"", vec->name, key);
            return false;
        }
    }
    for (size_t f = 0; f < section->field_count; f++) {
        const field_spec_t *field = &section->fields[f];
        char where[96];
        snprintf(where, sizeof where, "%s.%s", vec->name, field->name);
        value = json_object_get(object, field->name);
        if (value == NULL) {
            load_fail(ld, "%s: missing", where);
            return false;
        }
        char *member = (char *)vec + field->offset;
        bool ok = field->type == FIELD_U64 ? load_u64(ld, where, value, (uint64_t *)member)
                                           : load_hex(ld, where, value, (vec_bytes_t *)member);
        if (!ok)
            return false;
    }
    return true;
}

static bool load_sections(const loader_t *ld, const json_t *root, sframe_vectors_t *vectors)
{
    if (!json_is_object(root)) {
        load_fail(ld, "(root): expected an object, got %s", json_type_name(root));
        return false;
    }
    const char *key;
    json_t *value;
    size_t total = 0;
    json_object_foreach((json_t *)root, key, value)
    {
        size_t s = 0;
        while (s < COUNT(sections) && strcmp(sections[s].name, key) != 0)
            s++;
        if (s == COUNT(sections)) {
            load_fail(ld, "(root): unknown member \"%.40s\"", key);
            return false;
        }
        if (!json_is_array(value)) {
            load_fail(ld, "%s: expected an array, got %s", key, json_type_name(value));
            return false;
        }
        total += json_array_size(value);
    }
    if (total == 0) {
        load_fail(ld, "(root): no vectors in header, aes_ctr_hmac or sframe");
        return false;
    }
    vectors->vecs = calloc(total, sizeof *vectors->vecs);
    if (vectors->vecs == NULL) {
        load_fail(ld, "out of memory");
        return false;
    }
    vectors->count = total;
    size_t next = 0;
    for (size_t s = 0; s < COUNT(sections); s++) {
        const json_t *array = json_object_get(root, sections[s].name);
        for (size_t i = 0; i < json_array_size(array); i++)
            if (!load_vector(ld, &sections[s], i, json_array_get(array, i), &vectors->vecs[next++]))
                return false;
    }
    return true;
}

static json_t *parse_json(const loader_t *ld, const char *raw, size_t len)
{
    marked_text_t marked = { 0 };
    json_t *root = NULL;
    char place[96];
    if (!mark_numbers(&marked, raw, len)) {
        load_fail(ld, "out of memory");
    } else if (marked.nul_escape) {
        describe_offset(raw, len, marked.bad_offset, place, sizeof place);
        load_fail(ld, "%s: \\u0000 in a string is not supported", place);
    } else {
        json_error_t jerr;
        root = json_loadb(marked.text.bytes ? marked.text.bytes : "", marked.text.len,
                          JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (root == NULL) {
            char message[JSON_ERROR_TEXT_LENGTH];
            clean_message(jerr.text, message, sizeof message);
            size_t offset = jerr.position >= 0 ? (size_t)jerr.position : 0;
            describe_offset(raw, len, original_offset(&marked, offset), place, sizeof place);
            load_fail(ld, "%s: %s", place, message);
        }
    }
    free(marked.text.bytes);
    free(marked.marks);
    return root;
}

sframe_vectors_t *sframe_vectors_load(const char *path, char *err, size_t err_len)
{
    loader_t ld = { path, err, err_len };
    if (err_len > 0)
        err[0] = '\0';
    size_t len = 0;
    char *raw = read_file(&ld, &len);
    if (raw == NULL)
        return NULL;
    json_t *root = parse_json(&ld, raw, len);
    free(raw);
    if (root == NULL)
        return NULL;
    sframe_vectors_t *vectors = calloc(1, sizeof *vectors);
    if (vectors == NULL) {
        load_fail(&ld, "out of memory");
    } else if (!load_sections(&ld, root, vectors)) {
        sframe_vectors_free(vectors);
        vectors = NULL;
    }
    json_decref(root);
    return vectors;
}

void sframe_vectors_free(sframe_vectors_t *vectors)
{
    if (vectors == NULL)
        return;
    for (size_t i = 0; i < vectors->count; i++) {
        vec_t *vec = &vectors->vecs[i];
        if (vec->section == NULL)
            continue;
        for (size_t f = 0; f < vec->section->field_count; f++)
            if (vec->section->fields[f].type == FIELD_HEX)
                free(((vec_bytes_t *)((char *)vec + vec->section->fields[f].offset))->bytes);
    }
    free(vectors->vecs);
    free(vectors);
}

size_t sframe_vectors_count(const sframe_vectors_t *vectors)
{
    return vectors ? vectors->count : 0;
}

const char *sframe_vectors_name(const sframe_vectors_t *vectors, size_t index)
{
    if (vectors == NULL || index >= vectors->count)
        return "(none)";
    return vectors->vecs[index].name;
}

bool sframe_vectors_check(const sframe_vectors_t *vectors, size_t index, char *why, size_t why_len)
{
    if (why_len > 0)
        why[0] = '\0';
    if (vectors == NULL || index >= vectors->count)
        return failf(why, why_len, "no vector %zu", index);
    const vec_t *vec = &vectors->vecs[index];
    return vec->section->check(vec, why, why_len);
}
