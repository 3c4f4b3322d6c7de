/* rtp/ error codes. One X-macro list generates the enum, the names and the
 * messages (rtp_strerror, rtp_errname), so the three never drift apart. */
#ifndef BLINDFOLD_RTP_ERROR_H
#define BLINDFOLD_RTP_ERROR_H

#define RTP_ERROR_LIST(X)                                                     \
    X(RTP_OK, "success")                                                      \
    X(RTP_ERR_TRUNCATED, "input ends before the fields it declares")          \
    X(RTP_ERR_BAD_VERSION, "RTP/RTCP version is not 2")                       \
    X(RTP_ERR_MALFORMED, "a field holds a value the format forbids")          \
    X(RTP_ERR_NO_SPACE, "output buffer too small")                            \
    X(RTP_ERR_NOT_FOUND, "the requested element is not present")              \
    X(RTP_ERR_INVALID_ARG, "argument out of range")                           \
    X(RTP_ERR_UNSUPPORTED, "valid input this implementation does not handle") \
    X(RTP_ERR_END, "no more elements")                                        \
    X(RTP_ERR_NEED_STRUCTURE, "dependency descriptor needs a template structure")

typedef enum rtp_err {
#define RTP__ENUM(name, msg) name,
    RTP_ERROR_LIST(RTP__ENUM)
#undef RTP__ENUM
        RTP_ERR__COUNT
} rtp_err_t;

/* Human-readable message for an error code; never NULL, also for unknown codes. */
const char *rtp_strerror(rtp_err_t err);

/* The code's identifier, such as "RTP_ERR_TRUNCATED"; never NULL. */
const char *rtp_errname(rtp_err_t err);

#endif
