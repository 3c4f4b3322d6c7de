/* rtp/ error names and messages, generated from RTP_ERROR_LIST. */
#include "rtp/rtp_error.h"

#include <stddef.h>

static const char *const rtp__messages[] = {
#define RTP__MSG(name, msg) msg,
    RTP_ERROR_LIST(RTP__MSG)
#undef RTP__MSG
};

static const char *const rtp__names[] = {
#define RTP__NAME(name, msg) #name,
    RTP_ERROR_LIST(RTP__NAME)
#undef RTP__NAME
};

const char *rtp_strerror(rtp_err_t err)
{
    if ((unsigned)err >= (unsigned)RTP_ERR__COUNT)
        return "unknown rtp error";
    return rtp__messages[err];
}

const char *rtp_errname(rtp_err_t err)
{
    if ((unsigned)err >= (unsigned)RTP_ERR__COUNT)
        return "RTP_ERR_UNKNOWN";
    return rtp__names[err];
}
