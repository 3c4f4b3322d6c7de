/* sim/replay_inspect.c: SRTP key input and matching, and the
 * looks_encrypted test, for `blindfold replay` (sim/replay_inspect.h).
 *
 * Key input follows docs/cli.md: `--srtp-key` is the SDES inline key||salt
 * (RFC 4568 section 6.1) in base64 (RFC 4648 section 4, decoded strictly:
 * padding required, no characters outside the alphabet, canonical trailing
 * bits as section 3.5 allows a decoder to demand); `--dtls-srtp-material`
 * is the RFC 5764 section 4.2 layout (client key, server key, client salt,
 * server salt). A key is matched to a stream by trial: RFC 3711 section
 * 3.3 authenticates every packet, so the key whose tag verifies is the
 * stream's. looks_encrypted is Pearson's chi-square test of the byte
 * distribution of the payload bodies (the header comment says which bytes
 * and why) against the uniform one (255 degrees of freedom), plus the
 * VP8 key frame start code of RFC 6386 section 9.1 in clear. */
#include "sim/replay_inspect.h"

#include "rtp/rtp_payload.h"
#include "sim/oracle.h"

#include <math.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Keys ------------------------------------------------------------------ */

struct sim__inspect_keys {
    size_t count;
    sim__inspect_key_t keys[SIM__INSPECT_MAX_KEYS];
};

sim__inspect_keys_t *sim__inspect_keys_new(void)
{
    return calloc(1, sizeof(sim__inspect_keys_t));
}

void sim__inspect_keys_free(sim__inspect_keys_t *keys)
{
    if (!keys)
        return;
    OPENSSL_cleanse(keys, sizeof *keys);
    free(keys);
}

size_t sim__inspect_keys_count(const sim__inspect_keys_t *keys)
{
    return keys ? keys->count : 0;
}

const sim__inspect_key_t *sim__inspect_keys_get(const sim__inspect_keys_t *keys, size_t i)
{
    return keys && i < keys->count ? &keys->keys[i] : NULL;
}

__attribute__((format(printf, 3, 4))) static bool fail(char *err, size_t err_cap,
                                                       const char *format, ...)
{
    if (err && err_cap > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(err, err_cap, format, args);
        va_end(args);
    }
    return false;
}

/* The 6-bit value of a base64 character, or -1 outside the alphabet. */
static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

typedef enum base64_status {
    BASE64_OK,
    BASE64_BAD_CHAR,     /* *where: offset of the character */
    BASE64_BAD_LENGTH,   /* not a multiple of 4 */
    BASE64_BAD_PADDING,  /* '=' other than one or two at the very end */
    BASE64_BAD_TRAILING, /* non-zero bits after the last byte */
    BASE64_TOO_LONG,     /* decodes to more than cap bytes */
} base64_status_t;

/* Decodes `text` (len characters) into out; *out_len the byte count. */
static base64_status_t base64_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                                     size_t *out_len, size_t *where)
{
    if (len % 4 != 0)
        return BASE64_BAD_LENGTH;
    size_t pad = 0;
    while (pad < 2 && pad < len && text[len - 1 - pad] == '=')
        pad++;
    size_t decoded = len / 4 * 3 - pad;
    for (size_t i = 0; i < len - pad; i++) {
        if (text[i] == '=')
            return BASE64_BAD_PADDING;
        if (base64_value(text[i]) < 0) {
            *where = i;
            return BASE64_BAD_CHAR;
        }
    }
    if (decoded > cap)
        return BASE64_TOO_LONG;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t group = 0;
        for (size_t j = 0; j < 4; j++) {
            int v = text[i + j] == '=' ? 0 : base64_value(text[i + j]);
            group = group << 6 | (uint32_t)v;
        }
        uint8_t bytes[3] = { (uint8_t)(group >> 16), (uint8_t)(group >> 8), (uint8_t)group };
        size_t take = i + 4 == len ? 3 - pad : 3;
        /* Canonical form: the bits the padding leaves over are zero. */
        if (take < 3 && (take == 1 ? (group & 0xffff) : (group & 0xff)) != 0) {
            OPENSSL_cleanse(&group, sizeof group);
            OPENSSL_cleanse(bytes, sizeof bytes);
            OPENSSL_cleanse(out, n);
            return BASE64_BAD_TRAILING;
        }
        memcpy(out + n, bytes, take);
        n += take;
        OPENSSL_cleanse(&group, sizeof group);
        OPENSSL_cleanse(bytes, sizeof bytes);
    }
    *out_len = n;
    return BASE64_OK;
}

/* Splits "[ADDR=]PROFILE:BASE64" at the last ':' (base64 holds none) and
 * the last '=' before it (profile names hold none, IPv6 text neither). */
static bool parse_filter(const char *head, size_t head_len, sim__inspect_key_t *key,
                         size_t *profile_at, char *err, size_t err_cap, const char *label)
{
    size_t eq = head_len;
    while (eq > 0 && head[eq - 1] != '=')
        eq--;
    *profile_at = eq;
    if (eq == 0)
        return true;
    char addr[SIM__STREAMS_ENDPOINT_TEXT_LEN];
    size_t addr_len = eq - 1;
    if (addr_len == 0)
        return fail(err, err_cap, "%s: empty address before '='", label);
    if (addr_len >= sizeof addr)
        return fail(err, err_cap, "%s: address is too long", label);
    memcpy(addr, head, addr_len);
    addr[addr_len] = '\0';
    if (!sim__streams_endpoint_parse(addr, &key->filter))
        return fail(err, err_cap, "%s: address '%s' is not IPv4 a.b.c.d:port or IPv6 [addr]:port",
                    label, addr);
    key->has_filter = true;
    return true;
}

static bool parse_profile(const char *name, size_t name_len, hbh_profile_t *out, char *err,
                          size_t err_cap, const char *label)
{
    char text[64];
    if (name_len == 0)
        return fail(err, err_cap, "%s: no profile before ':'", label);
    if (name_len >= sizeof text)
        return fail(err, err_cap, "%s: unknown profile (name too long)", label);
    memcpy(text, name, name_len);
    text[name_len] = '\0';
    if (hbh_profile_from_name(text, out) != HBH_OK)
        return fail(err, err_cap,
                    "%s: unknown profile '%s' (AES_CM_128_HMAC_SHA1_80 or AEAD_AES_128_GCM)", label,
                    text);
    if (*out == HBH_PROFILE_NONE)
        return fail(err, err_cap, "%s: profile 'none' has no key", label);
    return true;
}

static bool parse_key_base64(const char *text, size_t len, sim__inspect_key_t *key, char *err,
                             size_t err_cap, const char *label)
{
    const hbh_profile_info_t *info = hbh_profile_info(key->profile);
    size_t want = info->key_len + info->salt_len;
    uint8_t decoded[HBH_MAX_KEY_LEN + HBH_MAX_SALT_LEN + 3];
    size_t decoded_len = 0;
    size_t where = 0;
    if (len == 0)
        return fail(err, err_cap, "%s: no key after ':'", label);
    base64_status_t status =
        base64_decode(text, len, decoded, sizeof decoded, &decoded_len, &where);
    switch (status) {
    case BASE64_OK:
        break;
    case BASE64_BAD_CHAR:
        return fail(err, err_cap,
                    "%s: base64 character %zu (0x%02x) is outside RFC 4648's alphabet", label,
                    where + 1, (unsigned)(unsigned char)text[where]);
    case BASE64_BAD_LENGTH:
        return fail(err, err_cap, "%s: base64 length %zu is not a multiple of 4 (padding missing?)",
                    label, len);
    case BASE64_BAD_PADDING:
        return fail(err, err_cap, "%s: base64 padding '=' is allowed only at the end", label);
    case BASE64_BAD_TRAILING:
        return fail(err, err_cap, "%s: base64 is not canonical (bits after the last byte)", label);
    case BASE64_TOO_LONG:
        return fail(err, err_cap, "%s: base64 length %zu decodes to more than %zu bytes for %s",
                    label, len, want, info->name);
    }
    if (decoded_len != want) {
        OPENSSL_cleanse(decoded, sizeof decoded);
        return fail(err, err_cap, "%s: base64 decodes to %zu bytes, not %zu (%zu + %zu) for %s",
                    label, decoded_len, want, info->key_len, info->salt_len, info->name);
    }
    memcpy(key->key_salt, decoded, want);
    key->key_salt_len = want;
    OPENSSL_cleanse(decoded, sizeof decoded);
    return true;
}

bool sim__inspect_keys_add_spec(sim__inspect_keys_t *keys, const char *spec, unsigned ordinal,
                                char *err, size_t err_cap)
{
    char label[SIM__INSPECT_KEY_LABEL_LEN];
    snprintf(label, sizeof label, "--srtp-key %u", ordinal);
    if (!keys || !spec)
        return fail(err, err_cap, "%s: no key ring or no spec", label);
    if (keys->count >= SIM__INSPECT_MAX_KEYS)
        return fail(err, err_cap, "%s: more than %d keys", label, SIM__INSPECT_MAX_KEYS);
    if (strchr(spec, '|'))
        return fail(err, err_cap, "%s: SDES lifetime and MKI ('|') are not supported", label);
    const char *colon = strrchr(spec, ':');
    if (!colon)
        return fail(err, err_cap, "%s: expected [SRC_IP:PORT=]PROFILE:BASE64_KEY_AND_SALT", label);
    /* An IPv6 filter without a profile ("[::1]:5=KEY") puts the last ':'
     * inside the address; the profile check below then names the mistake. */
    sim__inspect_key_t key = { .profile = HBH_PROFILE_NONE };
    size_t head_len = (size_t)(colon - spec);
    size_t profile_at = 0;
    bool ok = parse_filter(spec, head_len, &key, &profile_at, err, err_cap, label) &&
              parse_profile(spec + profile_at, head_len - profile_at, &key.profile, err, err_cap,
                            label) &&
              parse_key_base64(colon + 1, strlen(colon + 1), &key, err, err_cap, label);
    if (ok) {
        memcpy(key.label, label, sizeof key.label);
        keys->keys[keys->count++] = key;
    }
    OPENSSL_cleanse(&key, sizeof key);
    return ok;
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

static hbh_profile_t profile_for_material_len(size_t len)
{
    for (int p = 1; p < HBH_PROFILE_COUNT; p++)
        if (hbh_material_len((hbh_profile_t)p) == len)
            return (hbh_profile_t)p;
    return HBH_PROFILE_NONE;
}

static void add_material_key(sim__inspect_keys_t *keys, hbh_profile_t profile, const char *side,
                             const uint8_t *key, const uint8_t *salt, size_t key_len,
                             size_t salt_len)
{
    sim__inspect_key_t *slot = &keys->keys[keys->count++];
    memset(slot, 0, sizeof *slot);
    snprintf(slot->label, sizeof slot->label, "--dtls-srtp-material %s", side);
    slot->profile = profile;
    memcpy(slot->key_salt, key, key_len);
    memcpy(slot->key_salt + key_len, salt, salt_len);
    slot->key_salt_len = key_len + salt_len;
}

bool sim__inspect_keys_add_material(sim__inspect_keys_t *keys, const char *hex,
                                    hbh_profile_t profile, char *err, size_t err_cap)
{
    const char *label = "--dtls-srtp-material";
    if (!keys || !hex)
        return fail(err, err_cap, "%s: no key ring or no material", label);
    if (keys->count + 2 > SIM__INSPECT_MAX_KEYS)
        return fail(err, err_cap, "%s: more than %d keys", label, SIM__INSPECT_MAX_KEYS);
    size_t len = strlen(hex);
    if (len % 2 != 0)
        return fail(err, err_cap, "%s: odd number of hex digits (%zu)", label, len);
    for (size_t i = 0; i < len; i++)
        if (hex_value(hex[i]) < 0)
            return fail(err, err_cap, "%s: character %zu (0x%02x) is not a hex digit", label, i + 1,
                        (unsigned)(unsigned char)hex[i]);
    size_t bytes = len / 2;
    if (profile == HBH_PROFILE_NONE) {
        profile = profile_for_material_len(bytes);
        if (profile == HBH_PROFILE_NONE)
            return fail(err, err_cap,
                        "%s: %zu bytes is not 60 (AES_CM_128_HMAC_SHA1_80) or 56 "
                        "(AEAD_AES_128_GCM)",
                        label, bytes);
    }
    const hbh_profile_info_t *info = hbh_profile_info(profile);
    if (!info)
        return fail(err, err_cap, "%s: unknown profile %d", label, (int)profile);
    if (bytes != hbh_material_len(profile))
        return fail(err, err_cap, "%s: %zu bytes is not %zu for %s", label, bytes,
                    hbh_material_len(profile), info->name);
    uint8_t material[HBH_MAX_MATERIAL_LEN];
    for (size_t i = 0; i < bytes; i++)
        material[i] = (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
    hbh_material_t parts;
    bool ok = hbh_material_split(profile, material, bytes, &parts) == HBH_OK;
    if (ok) {
        add_material_key(keys, profile, "client", parts.client_write_key, parts.client_write_salt,
                         parts.key_len, parts.salt_len);
        add_material_key(keys, profile, "server", parts.server_write_key, parts.server_write_salt,
                         parts.key_len, parts.salt_len);
    }
    OPENSSL_cleanse(material, sizeof material);
    return ok ? true : fail(err, err_cap, "%s: hbh could not split it for %s", label, info->name);
}

/* --- Matching ------------------------------------------------------------ */

typedef struct candidate {
    size_t key_index; /* in the key ring */
    hbh_session_t *session;
} candidate_t;

struct sim__inspect_stream {
    size_t count;
    size_t matched; /* index into candidates, or SIM__INSPECT_NO_KEY */
    sim__inspect_stream_counters_t counters;
    candidate_t candidates[];
};

static bool endpoint_equal(const sim__streams_endpoint_t *a, const sim__streams_endpoint_t *b)
{
    size_t addr_len = a->family == 4 ? 4 : 16;
    return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, addr_len) == 0;
}

static bool key_applies(const sim__inspect_key_t *key, const sim__streams_endpoint_t *src)
{
    if (!key->has_filter)
        return true;
    return src && endpoint_equal(&key->filter, src);
}

hbh_err_t sim__inspect_stream_new(const sim__inspect_keys_t *keys,
                                  const sim__streams_endpoint_t *src, sim__inspect_stream_t **out)
{
    if (!keys || !out)
        return HBH_ERR_INVALID_ARG;
    *out = NULL;
    size_t applicable = 0;
    for (size_t i = 0; i < keys->count; i++)
        applicable += key_applies(&keys->keys[i], src);
    sim__inspect_stream_t *stream = calloc(1, sizeof *stream + applicable * sizeof(candidate_t));
    if (!stream)
        return HBH_ERR_NO_MEMORY;
    stream->matched = SIM__INSPECT_NO_KEY;
    hbh_err_t err = HBH_OK;
    for (size_t i = 0; i < keys->count; i++) {
        const sim__inspect_key_t *key = &keys->keys[i];
        if (!key_applies(key, src))
            continue;
        hbh_config_t config = hbh_config_default(key->profile);
        candidate_t *c = &stream->candidates[stream->count];
        c->key_index = i;
        err = hbh_session_new_keys(&config, NULL, 0, key->key_salt, key->key_salt_len, &c->session);
        if (err != HBH_OK)
            goto fail;
        stream->count++;
    }
    *out = stream;
    return HBH_OK;
fail:
    sim__inspect_stream_free(stream);
    return err;
}

void sim__inspect_stream_free(sim__inspect_stream_t *stream)
{
    if (!stream)
        return;
    for (size_t i = 0; i < stream->count; i++)
        hbh_session_free(stream->candidates[i].session);
    free(stream);
}

size_t sim__inspect_stream_key(const sim__inspect_stream_t *stream)
{
    if (!stream || stream->matched == SIM__INSPECT_NO_KEY)
        return SIM__INSPECT_NO_KEY;
    return stream->candidates[stream->matched].key_index;
}

size_t sim__inspect_stream_candidates(const sim__inspect_stream_t *stream)
{
    return stream ? stream->count : 0;
}

sim__inspect_stream_counters_t sim__inspect_stream_counters(const sim__inspect_stream_t *stream)
{
    sim__inspect_stream_counters_t none = { 0 };
    return stream ? stream->counters : none;
}

const char *sim__inspect_match_name(sim__inspect_match_status_t status)
{
    static const char *const names[] = {
        [SIM__INSPECT_OPENED] = "opened",     [SIM__INSPECT_UNDECRYPTABLE] = "undecryptable",
        [SIM__INSPECT_REJECTED] = "rejected", [SIM__INSPECT_MALFORMED] = "malformed",
        [SIM__INSPECT_INVALID] = "invalid",
    };
    if ((size_t)status >= sizeof names / sizeof names[0])
        return "?";
    return names[status];
}

/* One attempt with one candidate on a fresh copy of the packet. */
static hbh_err_t try_candidate(candidate_t *c, bool rtcp, const uint8_t *packet, size_t len,
                               uint8_t *out, size_t *out_len)
{
    memcpy(out, packet, len);
    return rtcp ? hbh_unprotect_rtcp(c->session, out, len, out_len)
                : hbh_unprotect_rtp(c->session, out, len, out_len);
}

static bool is_malformed(hbh_err_t err)
{
    return err == HBH_ERR_TRUNCATED || err == HBH_ERR_MALFORMED;
}

sim__inspect_match_status_t sim__inspect_match(sim__inspect_stream_t *stream, bool rtcp,
                                               const uint8_t *packet, size_t len, uint8_t *out,
                                               size_t cap, size_t *out_len, size_t *key_index)
{
    if (key_index)
        *key_index = SIM__INSPECT_NO_KEY;
    if (!stream || !packet || !out || !out_len || cap < len || len > HBH_MAX_PACKET_LEN ||
        ((uintptr_t)out & 3) != 0)
        return SIM__INSPECT_INVALID;
    size_t plain_len = 0;
    if (stream->matched != SIM__INSPECT_NO_KEY) {
        candidate_t *c = &stream->candidates[stream->matched];
        hbh_err_t err = try_candidate(c, rtcp, packet, len, out, &plain_len);
        if (err == HBH_OK) {
            stream->counters.opened++;
            *out_len = plain_len;
            if (key_index)
                *key_index = c->key_index;
            return SIM__INSPECT_OPENED;
        }
        if (is_malformed(err)) {
            stream->counters.malformed++;
            return SIM__INSPECT_MALFORMED;
        }
        stream->counters.rejected++;
        return SIM__INSPECT_REJECTED;
    }
    bool malformed = false;
    for (size_t i = 0; i < stream->count; i++) {
        hbh_err_t err = try_candidate(&stream->candidates[i], rtcp, packet, len, out, &plain_len);
        if (err == HBH_OK) {
            stream->matched = i;
            stream->counters.opened++;
            *out_len = plain_len;
            if (key_index)
                *key_index = stream->candidates[i].key_index;
            return SIM__INSPECT_OPENED;
        }
        /* Header checks do not depend on the key: one says it for all. */
        if (is_malformed(err)) {
            malformed = true;
            break;
        }
    }
    if (malformed) {
        stream->counters.malformed++;
        return SIM__INSPECT_MALFORMED;
    }
    stream->counters.undecryptable++;
    return SIM__INSPECT_UNDECRYPTABLE;
}

/* --- looks_encrypted ------------------------------------------------------- */

void sim__inspect_payloads_init(sim__inspect_payloads_t *acc, sim__inspect_codec_t codec)
{
    memset(acc, 0, sizeof *acc);
    acc->codec = codec;
}

/* A VP8 frame tag as an encoder writes it (RFC 6386 section 9.1): a
 * defined version (0..3), a shown frame and a first partition of at least
 * one byte. Whether the partition fits the frame is known only at the next
 * frame start (tag_fits). */
static bool vp8_tag_plausible(const rtp_vp8_frame_info_t *info)
{
    return info->have >= RTP_VP8_HAVE_TAG && info->version <= 3 && info->show_frame &&
           info->first_partition_size > 0;
}

/* The pending frame's tag was plausible and its first partition fits in
 * the VP8 data its packets carried. A clear E2EE header that happens to
 * pass the bit checks (an SFrame header with a 2-byte counter does) names a
 * partition size from its counter bytes, far beyond most frames. */
static bool tag_fits(const sim__inspect_payloads_t *acc)
{
    return acc->frame_pending && acc->pending_plausible &&
           acc->pending_partition <= acc->pending_bytes;
}

/* Reads the frame start after a descriptor with S = 1, PID = 0. The key
 * frame start code 9d 01 2a (bytes 3..5 after a tag with P = 0) is a
 * signature by itself. */
static void vp8_frame_start(sim__inspect_payloads_t *acc, const uint8_t *vp8, size_t len)
{
    rtp_vp8_frame_info_t info;
    (void)rtp_vp8_peek(vp8, len, &info); /* `have` says how far it got */
    acc->plausible_tags += tag_fits(acc);
    acc->frame_starts++;
    acc->signatures += info.keyframe && info.have >= RTP_VP8_HAVE_START_CODE;
    acc->frame_pending = true;
    acc->pending_plausible = vp8_tag_plausible(&info);
    acc->pending_partition = info.first_partition_size;
    acc->pending_bytes = 0;
}

void sim__inspect_payloads_feed(sim__inspect_payloads_t *acc, const uint8_t *payload, size_t len)
{
    if (!acc || !payload)
        return;
    acc->payloads++;
    if (acc->codec == SIM__INSPECT_CODEC_VP8) {
        rtp_vp8_desc_t desc;
        size_t desc_len = 0;
        if (rtp_vp8_desc_parse(payload, len, &desc, &desc_len) != RTP_OK) {
            acc->descriptor_errors++;
            return;
        }
        payload += desc_len;
        len -= desc_len;
        if (rtp_vp8_desc_starts_frame(&desc))
            vp8_frame_start(acc, payload, len);
        acc->pending_bytes += len;
    }
    acc->payload_bytes += len;
    if (len <= SIM__INSPECT_SKIP_HEAD + SIM__INSPECT_SKIP_TAIL)
        return;
    for (size_t i = SIM__INSPECT_SKIP_HEAD; i < len - SIM__INSPECT_SKIP_TAIL; i++)
        acc->histogram[payload[i]]++;
    acc->bytes += len - SIM__INSPECT_SKIP_HEAD - SIM__INSPECT_SKIP_TAIL;
}

/* Nearly every frame start carries a plausible VP8 tag: frame headers in
 * clear. A random tag passes the bit checks with probability 1/4, and fits
 * a frame of F bytes with about F / 2^19 more. */
static bool tags_in_clear(const sim__inspect_payloads_t *acc)
{
    uint64_t plausible = acc->plausible_tags + tag_fits(acc);
    return acc->frame_starts >= SIM__INSPECT_MIN_FRAME_STARTS &&
           plausible * 10 >= acc->frame_starts * 9;
}

sim__inspect_verdict_t sim__inspect_payloads_verdict(const sim__inspect_payloads_t *acc)
{
    sim__inspect_verdict_t v = { .looks_encrypted = false,
                                 .basis = "too-few-bytes",
                                 .p_value = NAN,
                                 .bytes = acc ? acc->bytes : 0 };
    if (!acc)
        return v;
    if (acc->bytes >= SIM__INSPECT_MIN_BYTES) {
        double expected = (double)acc->bytes / 256.0;
        double chi2 = 0.0;
        for (size_t i = 0; i < 256; i++) {
            double d = (double)acc->histogram[i] - expected;
            chi2 += d * d / expected;
        }
        v.p_value = sim__oracle_chi2_p(chi2, 255);
        v.basis = v.p_value >= SIM__INSPECT_MIN_P ? "uniform" : "non-uniform";
    }
    if (acc->signatures > 0 || tags_in_clear(acc))
        v.basis = "codec-signature";
    v.looks_encrypted = strcmp(v.basis, "uniform") == 0;
    return v;
}
