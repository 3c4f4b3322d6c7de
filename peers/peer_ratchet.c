/* peer_ratchet_key (peers/peer.h): the public face of the E2EE transform's
 * ratchet, for the key server. */
#include "peers/e2ee.h"
#include "peers/peer.h"

peer_err_t peer_ratchet_key(peer_scheme_t scheme, sframe_suite_t suite,
                            sframe_legacy_variant_t variant, const uint8_t *key, size_t len,
                            uint8_t *out, size_t *out_len)
{
    peer__e2ee_scheme_t s;
    switch (scheme) {
    case PEER_SCHEME_SFRAME:
        s = PEER__E2EE_SFRAME;
        break;
    case PEER_SCHEME_INSERTABLE_LEGACY:
        s = PEER__E2EE_INSERTABLE_LEGACY;
        break;
    default:
        return PEER_ERR_INVALID_ARG;
    }
    if (key == NULL || len == 0 || out == NULL || out_len == NULL)
        return PEER_ERR_INVALID_ARG;
    sframe_err_t err = peer__e2ee_ratchet_key(s, suite, variant, key, len, out, out_len);
    if (err == SFRAME_OK)
        return PEER_OK;
    return err == SFRAME_ERR_INVALID_ARG ? PEER_ERR_INVALID_ARG : PEER_ERR_CRYPTO;
}
