/* peers/peer_error.c: the messages and names of peer_err_t, generated from
 * the one X-macro list in peer.h, and the folding of the building blocks'
 * codes (rtp_err_t, sframe_err_t, peer__codec_err_t, hbh_err_t) into it at
 * the public boundary. */
#include "peers/peer_internal.h"

static const char *const messages[] = {
#define PEER__MSG(name, msg) msg,
    PEER_ERROR_LIST(PEER__MSG)
#undef PEER__MSG
};

static const char *const names[] = {
#define PEER__NAME(name, msg) #name,
    PEER_ERROR_LIST(PEER__NAME)
#undef PEER__NAME
};

const char *peer_strerror(peer_err_t err)
{
    return (unsigned)err < PEER_ERR__COUNT ? messages[err] : "unknown peer error";
}

const char *peer_errname(peer_err_t err)
{
    return (unsigned)err < PEER_ERR__COUNT ? names[err] : "PEER_ERR_UNKNOWN";
}

peer_err_t peer__err_from_rtp(rtp_err_t err)
{
    switch (err) {
    case RTP_OK:
        return PEER_OK;
    case RTP_ERR_NO_SPACE:
        return PEER_ERR_NO_SPACE;
    case RTP_ERR_NOT_FOUND:
        return PEER_ERR_NOT_FOUND;
    default:
        return PEER_ERR_INVALID_ARG;
    }
}

peer_err_t peer__err_from_sframe(sframe_err_t err)
{
    switch (err) {
    case SFRAME_OK:
        return PEER_OK;
    case SFRAME_ERR_INVALID_ARG:
    case SFRAME_ERR_UNKNOWN_SUITE:
        return PEER_ERR_INVALID_ARG;
    case SFRAME_ERR_NO_SPACE:
        return PEER_ERR_NO_SPACE;
    case SFRAME_ERR_NO_MEMORY:
        return PEER_ERR_NO_MEMORY;
    case SFRAME_ERR_KEY_EXISTS:
        return PEER_ERR_EXISTS;
    case SFRAME_ERR_RING_FULL:
        return PEER_ERR_FULL;
    case SFRAME_ERR_UNKNOWN_KID:
    case SFRAME_ERR_RATCHET:
    case SFRAME_ERR_COUNTER_EXHAUSTED:
        return PEER_ERR_STATE;
    default:
        return PEER_ERR_CRYPTO;
    }
}

peer_err_t peer__err_from_codec(peer__codec_err_t err)
{
    switch (err) {
    case PEER__CODEC_OK:
        return PEER_OK;
    case PEER__CODEC_ERR_INVALID_ARG:
        return PEER_ERR_INVALID_ARG;
    case PEER__CODEC_ERR_NO_MEMORY:
        return PEER_ERR_NO_MEMORY;
    case PEER__CODEC_ERR_NO_SPACE:
        return PEER_ERR_NO_SPACE;
    default:
        return PEER_ERR_CODEC;
    }
}

peer_err_t peer__err_from_hbh(hbh_err_t err)
{
    switch (err) {
    case HBH_OK:
        return PEER_OK;
    case HBH_ERR_NO_MEMORY:
        return PEER_ERR_NO_MEMORY;
    case HBH_ERR_NO_SPACE:
        return PEER_ERR_NO_SPACE;
    default:
        return PEER_ERR_SRTP;
    }
}
