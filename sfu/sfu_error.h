/* sfu/ error codes. One X-macro list generates the enum, the names and the
 * messages (sfu_strerror, sfu_errname), so the three never drift apart.
 * Every sfu/ component returns these; append new codes at the end so the
 * numbers of existing ones stay stable. */
#ifndef BLINDFOLD_SFU_ERROR_H
#define BLINDFOLD_SFU_ERROR_H

#define SFU_ERROR_LIST(X)                                                           \
    X(SFU_OK, "success")                                                            \
    X(SFU_ERR_INVALID_ARG, "argument out of range")                                 \
    X(SFU_ERR_NO_SPACE, "output buffer too small")                                  \
    X(SFU_ERR_NO_MEMORY, "out of memory")                                           \
    X(SFU_ERR_SRTP_AUTH, "SRTP/SRTCP authentication failed")                        \
    X(SFU_ERR_SRTP_REPLAY, "SRTP/SRTCP packet index replayed or older than window") \
    X(SFU_ERR_SRTP, "libsrtp operation failed")                                     \
    X(SFU_ERR_MALFORMED, "a field holds a value the format forbids")                \
    X(SFU_ERR_TRUNCATED, "input ends before the fields it declares")                \
    X(SFU_ERR_UNKNOWN_SSRC, "no stream with this SSRC")                             \
    X(SFU_ERR_NOT_FOUND, "the requested element is not present")                    \
    X(SFU_ERR_FULL, "bounded table full")                                           \
    X(SFU_ERR_EVICTED, "element evicted from a bounded history")                    \
    X(SFU_ERR_TOO_SOON, "rate-limited: too soon after the previous one")

typedef enum sfu_err {
#define SFU__ENUM(name, msg) name,
    SFU_ERROR_LIST(SFU__ENUM)
#undef SFU__ENUM
        SFU_ERR__COUNT
} sfu_err_t;

/* Human-readable message for an error code; never NULL, also for unknown codes. */
const char *sfu_strerror(sfu_err_t err);

/* The code's identifier, such as "SFU_ERR_SRTP_AUTH"; never NULL. */
const char *sfu_errname(sfu_err_t err);

#endif
