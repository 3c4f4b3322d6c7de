/* bench_sframe: RFC 9605 SFrame protect and unprotect throughput against raw
 * OpenSSL doing the same cryptography, in the same run.
 *
 * For each suite and frame size (100, 1200, 10000 and 100000 bytes):
 *  - protect: sframe_sender_protect() of one frame, over and over, against
 *    the reference AEAD encryption of the same plaintext into the same
 *    buffer with a per-frame nonce (salt XOR counter) and a 4-byte AAD;
 *  - unprotect: sframe_receiver_unprotect() of a batch of frames protected
 *    with consecutive counters (a fresh receiver per pass, made outside the
 *    timing, so the replay window is exercised but never trips), against
 *    the reference decryption of those same frames.
 * References, each with contexts made once and keys set once:
 *  - "openssl-aes-128-gcm" (suite 4) and "openssl-aes-256-gcm" (suite 5):
 *    EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv), the AAD update, the
 *    update, final and get-tag per frame (decrypt: set-tag and final);
 *  - "openssl-aes-128-ctr+hmac-sha256" (suites 1-3): the AES-CTR cipher
 *    re-initialised with the IV, update and final, and EVP_MAC_init with
 *    the key kept, updates over RFC 9605 section 4.5.1's authenticated data
 *    (lengths, nonce, AAD, ciphertext) and final, truncated to the suite's
 *    tag; unprotect compares the tag with CRYPTO_memcmp before decrypting.
 * Before timing, each reference is checked to produce byte for byte the
 * ciphertext SFrame produced (and to open SFrame's frames), so both sides
 * do the same work.
 *
 * Timing: CLOCK_MONOTONIC around passes of many frames; candidate and
 * reference passes alternate, in alternating order, over many rounds, and
 * the best pass of each side counts, which cancels most machine noise.
 * Output follows docs/cli.md "Benchmarks": per case two lines,
 * bytes_per_s (plaintext bytes, unit "B/s") and frames_per_s ("1/s"), each
 * with reference, reference_value and ratio = value / reference_value
 * (higher is better). `--quick` runs a few seconds; the default run takes
 * about half a minute. */
#include "sframe/sframe.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#define AAD_LEN    4
#define NONCE_LEN  12
#define MAX_KEY    64
#define MAX_TAG    32
#define HMAC_LEN   32
#define KID        3
#define FIRST_CTR  0
#define ONE_SECOND 1e9
#define MAX_BATCH  4096 /* frames per pass */

static const size_t frame_sizes[] = { 100, 1200, 10000, 100000 };

static const uint8_t base_key[16] = { 0x62, 0x6c, 0x69, 0x6e, 0x64, 0x66, 0x6f, 0x6c,
                                      0x64, 0x2d, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x21 };

typedef struct bench_plan {
    double budget_ns; /* per case and operation */
    int min_rounds;
    size_t batch_bytes; /* frames per pass: about this many bytes */
} bench_plan_t;

/* ---- the reference: raw EVP with reused contexts ------------------------ */

typedef struct reference {
    const sframe_suite_info_t *info;
    const char *name;
    bool gcm;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *enc, *dec;
    EVP_MAC *mac;
    EVP_MAC_CTX *mac_ctx;
    uint8_t key[MAX_KEY], salt[NONCE_LEN];
} reference_t;

static void reference_free(reference_t *ref)
{
    EVP_CIPHER_CTX_free(ref->enc);
    EVP_CIPHER_CTX_free(ref->dec);
    EVP_CIPHER_free(ref->cipher);
    EVP_MAC_CTX_free(ref->mac_ctx);
    EVP_MAC_free(ref->mac);
    OPENSSL_cleanse(ref->key, sizeof ref->key);
}

static bool reference_init(reference_t *ref, const sframe_suite_info_t *info)
{
    memset(ref, 0, sizeof *ref);
    ref->info = info;
    ref->gcm = info->nka == 0;
    if (sframe_derive_key_salt(info->id, base_key, sizeof base_key, KID, ref->key, ref->salt) !=
        SFRAME_OK)
        return false;
    const char *cipher_name =
        ref->gcm ? (info->nk == 16 ? "AES-128-GCM" : "AES-256-GCM") : "AES-128-CTR";
    ref->name = ref->gcm ? (info->nk == 16 ? "openssl-aes-128-gcm" : "openssl-aes-256-gcm")
                         : "openssl-aes-128-ctr+hmac-sha256";
    ref->cipher = EVP_CIPHER_fetch(NULL, cipher_name, NULL);
    ref->enc = EVP_CIPHER_CTX_new();
    ref->dec = EVP_CIPHER_CTX_new();
    /* CTR decryption is encryption: both CTR contexts encrypt. */
    if (!ref->cipher || !ref->enc || !ref->dec ||
        !EVP_EncryptInit_ex(ref->enc, ref->cipher, NULL, ref->key, NULL) ||
        !EVP_CipherInit_ex(ref->dec, ref->cipher, NULL, ref->key, NULL, ref->gcm ? 0 : 1))
        return false;
    if (ref->gcm)
        return true;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    ref->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ref->mac_ctx = ref->mac ? EVP_MAC_CTX_new(ref->mac) : NULL;
    return ref->mac_ctx &&
           EVP_MAC_init(ref->mac_ctx, ref->key + info->nka, info->nk - info->nka, params);
}

static void reference_nonce(const reference_t *ref, uint64_t ctr, uint8_t *nonce)
{
    memcpy(nonce, ref->salt, NONCE_LEN);
    for (int i = 0; i < 8; i++)
        nonce[NONCE_LEN - 1 - i] ^= (uint8_t)(ctr >> (8 * i));
}

static void put_be64(uint8_t *out, uint64_t value)
{
    for (int i = 7; i >= 0; i--, value >>= 8)
        out[i] = (uint8_t)value;
}

/* Section 4.5.1: HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad
 * || ct), full length. */
static bool reference_hmac(reference_t *ref, const uint8_t *nonce, const uint8_t *aad,
                           size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *mac)
{
    uint8_t lengths[24];
    put_be64(lengths, aad_len);
    put_be64(lengths + 8, ct_len);
    put_be64(lengths + 16, ref->info->nt);
    size_t mac_len = 0;
    return EVP_MAC_init(ref->mac_ctx, NULL, 0, NULL) &&
           EVP_MAC_update(ref->mac_ctx, lengths, sizeof lengths) &&
           EVP_MAC_update(ref->mac_ctx, nonce, NONCE_LEN) &&
           EVP_MAC_update(ref->mac_ctx, aad, aad_len) && EVP_MAC_update(ref->mac_ctx, ct, ct_len) &&
           EVP_MAC_final(ref->mac_ctx, mac, &mac_len, HMAC_LEN);
}

/* AES-CTR over len bytes with the initial counter block nonce || 0^32. */
static bool reference_ctr(EVP_CIPHER_CTX *ctx, const uint8_t *nonce, const uint8_t *in, size_t len,
                          uint8_t *out)
{
    uint8_t iv[16] = { 0 };
    memcpy(iv, nonce, NONCE_LEN);
    int n = 0, tail = 0;
    return EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) &&
           EVP_EncryptUpdate(ctx, out, &n, in, (int)len) &&
           EVP_EncryptFinal_ex(ctx, out + n, &tail);
}

/* Writes len ciphertext bytes then the tag to out. */
static bool reference_seal(reference_t *ref, const uint8_t *nonce, const uint8_t *aad,
                           size_t aad_len, const uint8_t *pt, size_t len, uint8_t *out)
{
    if (!ref->gcm) {
        uint8_t mac[HMAC_LEN];
        if (!reference_ctr(ref->enc, nonce, pt, len, out) ||
            !reference_hmac(ref, nonce, aad, aad_len, out, len, mac))
            return false;
        memcpy(out + len, mac, ref->info->nt);
        return true;
    }
    int n = 0, tail = 0;
    return EVP_EncryptInit_ex(ref->enc, NULL, NULL, NULL, nonce) &&
           EVP_EncryptUpdate(ref->enc, NULL, &n, aad, (int)aad_len) &&
           EVP_EncryptUpdate(ref->enc, out, &n, pt, (int)len) &&
           EVP_EncryptFinal_ex(ref->enc, out + n, &tail) &&
           EVP_CIPHER_CTX_ctrl(ref->enc, EVP_CTRL_GCM_GET_TAG, (int)ref->info->nt, out + len);
}

/* Opens len ciphertext bytes followed by the tag. */
static bool reference_open(reference_t *ref, const uint8_t *nonce, const uint8_t *aad,
                           size_t aad_len, const uint8_t *ct, size_t len, uint8_t *out)
{
    const uint8_t *tag = ct + len;
    if (!ref->gcm) {
        uint8_t mac[HMAC_LEN];
        return reference_hmac(ref, nonce, aad, aad_len, ct, len, mac) &&
               CRYPTO_memcmp(mac, tag, ref->info->nt) == 0 &&
               reference_ctr(ref->dec, nonce, ct, len, out);
    }
    int n = 0, tail = 0;
    return EVP_DecryptInit_ex(ref->dec, NULL, NULL, NULL, nonce) &&
           EVP_DecryptUpdate(ref->dec, NULL, &n, aad, (int)aad_len) &&
           EVP_DecryptUpdate(ref->dec, out, &n, ct, (int)len) &&
           EVP_CIPHER_CTX_ctrl(ref->dec, EVP_CTRL_GCM_SET_TAG, (int)ref->info->nt,
                               (void *)(uintptr_t)tag) &&
           EVP_DecryptFinal_ex(ref->dec, out + n, &tail) > 0;
}

/* ---- one case: a suite and a frame size ---------------------------------- */

typedef struct bench_case {
    const sframe_suite_info_t *info;
    reference_t *ref;
    size_t size, cap, batch;
    uint8_t aad[AAD_LEN]; /* the protect reference's: a header's worth */
    uint8_t *pt, *out;
    uint8_t *frames; /* batch protected frames, cap bytes apart */
    size_t *frame_lens;
    sframe_sender_t *sender;
    uint64_t ref_ctr;
} bench_case_t;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * ONE_SECOND + (double)ts.tv_nsec;
}

static bool run_protect(bench_case_t *c)
{
    size_t out_len = 0;
    for (size_t i = 0; i < c->batch; i++)
        if (sframe_sender_protect(c->sender, NULL, 0, c->pt, c->size, c->out, c->cap, &out_len) !=
            SFRAME_OK)
            return false;
    return true;
}

static bool run_reference_seal(bench_case_t *c)
{
    uint8_t nonce[NONCE_LEN];
    for (size_t i = 0; i < c->batch; i++) {
        reference_nonce(c->ref, c->ref_ctr++, nonce);
        if (!reference_seal(c->ref, nonce, c->aad, AAD_LEN, c->pt, c->size, c->out))
            return false;
    }
    return true;
}

static bool run_unprotect(bench_case_t *c, sframe_receiver_t *receiver)
{
    size_t out_len = 0;
    for (size_t i = 0; i < c->batch; i++)
        if (sframe_receiver_unprotect(receiver, NULL, 0, c->frames + i * c->cap, c->frame_lens[i],
                                      c->out, c->cap, &out_len, NULL) != SFRAME_OK)
            return false;
    return true;
}

/* Opens the same frames; header length and counter come from the header,
 * as a raw implementation would read them. */
static bool run_reference_open(bench_case_t *c)
{
    uint8_t nonce[NONCE_LEN];
    for (size_t i = 0; i < c->batch; i++) {
        const uint8_t *frame = c->frames + i * c->cap;
        sframe_header_t header;
        size_t header_len = 0;
        if (sframe_header_decode(frame, c->frame_lens[i], &header, &header_len) != SFRAME_OK)
            return false;
        reference_nonce(c->ref, header.ctr, nonce);
        size_t len = c->frame_lens[i] - header_len - c->info->nt;
        if (!reference_open(c->ref, nonce, frame, header_len, frame + header_len, len, c->out))
            return false;
    }
    return true;
}

static sframe_receiver_t *new_receiver(const bench_case_t *c)
{
    sframe_receiver_config_t config = sframe_receiver_config_default(c->info->id);
    sframe_receiver_t *receiver = NULL;
    if (sframe_receiver_new(&config, &receiver) != SFRAME_OK)
        return NULL;
    if (sframe_receiver_add_key(receiver, KID, base_key, sizeof base_key) != SFRAME_OK) {
        sframe_receiver_free(receiver);
        return NULL;
    }
    return receiver;
}

/* Times one pass; returns a negative value on failure. */
static double time_pass(bench_case_t *c, bool unprotect, bool reference)
{
    sframe_receiver_t *receiver = NULL;
    if (unprotect && !reference && (receiver = new_receiver(c)) == NULL)
        return -1;
    double start = now_ns();
    bool ok = unprotect ? (reference ? run_reference_open(c) : run_unprotect(c, receiver))
                        : (reference ? run_reference_seal(c) : run_protect(c));
    double elapsed = now_ns() - start;
    sframe_receiver_free(receiver);
    return ok ? elapsed : -1;
}

typedef struct best_times {
    double candidate_ns, reference_ns;
} best_times_t;

static bool measure(bench_case_t *c, bool unprotect, const bench_plan_t *plan, best_times_t *best)
{
    best->candidate_ns = best->reference_ns = 0;
    if (time_pass(c, unprotect, false) < 0 || time_pass(c, unprotect, true) < 0) /* warm-up */
        return false;
    double start = now_ns();
    for (int round = 0; round < plan->min_rounds || now_ns() - start < plan->budget_ns; round++) {
        for (int side = 0; side < 2; side++) {
            bool reference = (side ^ (round & 1)) != 0;
            double t = time_pass(c, unprotect, reference);
            if (t < 0)
                return false;
            double *slot = reference ? &best->reference_ns : &best->candidate_ns;
            if (*slot == 0 || t < *slot)
                *slot = t;
        }
    }
    return true;
}

static void print_line(const bench_case_t *c, const char *op, const char *metric, const char *unit,
                       double per_pass, const best_times_t *best)
{
    double value = per_pass * ONE_SECOND / best->candidate_ns;
    double ref_value = per_pass * ONE_SECOND / best->reference_ns;
    printf("{\"bench\": \"sframe\", \"case\": \"%s/%s/%zuB\", \"metric\": \"%s\", "
           "\"value\": %.0f, \"unit\": \"%s\", \"reference\": \"%s\", "
           "\"reference_value\": %.0f, \"ratio\": %.4f}\n",
           op, c->info->name, c->size, metric, value, unit, c->ref->name, ref_value,
           value / ref_value);
}

static void report(const bench_case_t *c, const char *op, const best_times_t *best)
{
    print_line(c, op, "bytes_per_s", "B/s", (double)(c->batch * c->size), best);
    print_line(c, op, "frames_per_s", "1/s", (double)c->batch, best);
    fflush(stdout);
}

/* The reference must produce the bytes SFrame produced, and open them. */
static bool reference_agrees(bench_case_t *c)
{
    const uint8_t *frame = c->frames;
    sframe_header_t header;
    size_t header_len = 0;
    uint8_t nonce[NONCE_LEN];
    if (sframe_header_decode(frame, c->frame_lens[0], &header, &header_len) != SFRAME_OK)
        return false;
    reference_nonce(c->ref, header.ctr, nonce);
    if (!reference_seal(c->ref, nonce, frame, header_len, c->pt, c->size, c->out) ||
        memcmp(c->out, frame + header_len, c->size + c->info->nt) != 0)
        return false;
    return reference_open(c->ref, nonce, frame, header_len, frame + header_len, c->size, c->out) &&
           memcmp(c->out, c->pt, c->size) == 0;
}

/* Allocates the buffers and protects the unprotect batch. */
static bool case_init(bench_case_t *c, reference_t *ref, size_t size, const bench_plan_t *plan)
{
    memset(c, 0, sizeof *c);
    c->info = ref->info;
    c->ref = ref;
    c->size = size;
    c->cap = size + sframe_max_overhead(c->info->id);
    c->batch = plan->batch_bytes / size;
    c->batch = c->batch < 8 ? 8 : c->batch > MAX_BATCH ? MAX_BATCH : c->batch;
    c->pt = malloc(size);
    c->out = malloc(c->cap);
    c->frames = malloc(c->batch * c->cap);
    c->frame_lens = calloc(c->batch, sizeof *c->frame_lens);
    if (!c->pt || !c->out || !c->frames || !c->frame_lens)
        return false;
    for (size_t i = 0; i < size; i++)
        c->pt[i] = (uint8_t)(i * 131 + 7);
    sframe_sender_config_t config = sframe_sender_config_default(c->info->id);
    config.kid = KID;
    config.first_ctr = FIRST_CTR;
    if (sframe_sender_new(&config, base_key, sizeof base_key, &c->sender) != SFRAME_OK)
        return false;
    for (size_t i = 0; i < c->batch; i++)
        if (sframe_sender_protect(c->sender, NULL, 0, c->pt, size, c->frames + i * c->cap, c->cap,
                                  &c->frame_lens[i]) != SFRAME_OK)
            return false;
    memcpy(c->aad, c->frames, AAD_LEN);
    return true;
}

static void case_free(bench_case_t *c)
{
    sframe_sender_free(c->sender);
    free(c->pt);
    free(c->out);
    free(c->frames);
    free(c->frame_lens);
}

/* Returns NULL, or what went wrong. */
static const char *run_case(bench_case_t *c, reference_t *ref, size_t size,
                            const bench_plan_t *plan)
{
    best_times_t best;
    if (!case_init(c, ref, size, plan))
        return "setup failed";
    if (!reference_agrees(c))
        return "the reference disagrees with SFrame's ciphertext";
    if (!measure(c, false, plan, &best))
        return "protect failed";
    report(c, "protect", &best);
    if (!measure(c, true, plan, &best))
        return "unprotect failed";
    report(c, "unprotect", &best);
    return NULL;
}

static int bench_suite(const sframe_suite_info_t *info, const bench_plan_t *plan)
{
    reference_t ref;
    if (!reference_init(&ref, info)) {
        reference_free(&ref);
        fprintf(stderr, "bench_sframe: %s: reference setup failed\n", info->name);
        return EXIT_INTERNAL;
    }
    int code = EXIT_SUCCESS;
    for (size_t s = 0; s < sizeof frame_sizes / sizeof frame_sizes[0] && code == 0; s++) {
        bench_case_t c;
        const char *failed = run_case(&c, &ref, frame_sizes[s], plan);
        if (failed) {
            fprintf(stderr, "bench_sframe: %s, %zu B: %s\n", info->name, frame_sizes[s], failed);
            code = EXIT_INTERNAL;
        }
        case_free(&c);
    }
    reference_free(&ref);
    return code;
}

int main(int argc, char **argv)
{
    bench_plan_t plan = { .budget_ns = 0.75 * ONE_SECOND,
                          .min_rounds = 20,
                          .batch_bytes = 1u << 20 };
    if (argc == 2 && strcmp(argv[1], "--quick") == 0) {
        plan = (bench_plan_t){ .budget_ns = 0.02 * ONE_SECOND,
                               .min_rounds = 3,
                               .batch_bytes = 256u << 10 };
    } else if (argc != 1) {
        fprintf(stderr, "usage: bench_sframe [--quick]\n");
        return EXIT_USAGE;
    }
    for (int id = 1; id <= 5; id++) {
        const sframe_suite_info_t *info = sframe_suite_info((sframe_suite_t)id);
        if (info == NULL) {
            fprintf(stderr, "bench_sframe: suite %d unknown\n", id);
            return EXIT_INTERNAL;
        }
        int code = bench_suite(info, &plan);
        if (code != EXIT_SUCCESS)
            return code;
    }
    return EXIT_SUCCESS;
}
