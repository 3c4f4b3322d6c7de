/* sfu/ error names and messages, generated from the one SFU_ERROR_LIST
 * X-macro in sfu/sfu_error.h (the libuv pattern), so the enum and both
 * tables cannot drift apart. */
#include "sfu/sfu_error.h"

static const char *const sfu__error_messages[] = {
#define SFU__MESSAGE(name, msg) [name] = msg,
    SFU_ERROR_LIST(SFU__MESSAGE)
#undef SFU__MESSAGE
};

static const char *const sfu__error_names[] = {
#define SFU__NAME(name, msg) [name] = #name,
    SFU_ERROR_LIST(SFU__NAME)
#undef SFU__NAME
};

const char *sfu_strerror(sfu_err_t err)
{
    if ((unsigned)err >= (unsigned)SFU_ERR__COUNT) {
        return "unknown sfu error";
    }
    return sfu__error_messages[err];
}

const char *sfu_errname(sfu_err_t err)
{
    if ((unsigned)err >= (unsigned)SFU_ERR__COUNT) {
        return "SFU_ERR_UNKNOWN";
    }
    return sfu__error_names[err];
}
