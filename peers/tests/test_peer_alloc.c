/* docs/DESIGN.md "Memory": after the first frames, a call allocates
 * nothing on the per-packet and per-frame paths. Two peers back to back
 * (peers/tests/peer_pair.h), A sending three layers and audio, B receiving
 * the top layer and the audio, with loss (so NACK, RTX and PLC run too):
 * after one second of warm-up, the next two seconds make no allocation in
 * the whole process (libvpx, libopus and OpenSSL included; libsrtp2 is left
 * out, see SRTP_PROFILE). The
 * harness's own arrays are sized beforehand. Left out under ASan, which
 * owns malloc (alloc_count.h). */
#include "peers/tests/peer_pair.h"

#include <stdlib.h>

#include "alloc_count.h"

#define ROOM 8192u
/* Debian's libsrtp2 is built on NSS, whose PK11 calls allocate on every
 * packet (PK11_Encrypt for GCM, a context per packet for AES-CM and
 * HMAC): outside peers/, so hop-by-hop SRTP is off here. */
#define SRTP_PROFILE HBH_PROFILE_NONE

#if COUNT_ALLOCATIONS
static bool drop_every_25th(void *ctx, uint64_t index, const uint8_t *rtp, size_t len)
{
    (void)ctx;
    (void)rtp;
    (void)len;
    return index % 25 == 11;
}
#endif

START_TEST(steady_call_allocates_nothing)
{
#if COUNT_ALLOCATIONS
    pair_t pair;
    pair_init(&pair);
    pair.config_a.audio.enabled = true;
    for (int p = 0; p < 2; p++) {
        peer_config_t *c = p == 0 ? &pair.config_a : &pair.config_b;
        c->srtp_profile = SRTP_PROFILE;
        c->keying_material_len = hbh_material_len(SRTP_PROFILE);
    }
    pair.ab.drop = drop_every_25th;
    pair_start(&pair);
    pair_receive_layer(&pair, 2);
    pair_receive_audio(&pair);
    pair_keys(&pair, 1);
    pair_reserve(&pair, ROOM); /* the harness's arrays, grown once */

    pair_run(&pair, 1000u * PAIR_MS);
    size_t records = pair.n_records;
    pair_quiet = true;
    unsigned long before = allocations;
    pair_run(&pair, 3000u * PAIR_MS);
    unsigned long during = allocations - before;
    pair_quiet = false;
    ck_assert_uint_eq(pair_quiet_failures, 0);

    ck_assert_uint_gt(pair.n_records - records, 100);
    ck_assert_uint_gt(pair_remote_stats(&pair, PEER_KIND_VIDEO).nacks_sent, 5);
    ck_assert_uint_gt(pair_remote_stats(&pair, PEER_KIND_AUDIO).frames_lost, 2);
    ck_assert_uint_eq(during, 0);
    pair_free(&pair);
#endif
}
END_TEST

Suite *blindfold_test_suite(void)
{
    Suite *s = suite_create("peer_alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, steady_call_allocates_nothing);
    suite_add_tcase(s, tc);
    return s;
}
