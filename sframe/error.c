/* Names and messages of the sframe/ error codes, generated from the one
 * SFRAME_ERROR_LIST X-macro in sframe/sframe.h (the libuv pattern), so the
 * enum and both tables cannot drift apart. */
#include "sframe/sframe.h"

#include <stddef.h>

static const char *const error_messages[] = {
#define SFRAME__MESSAGE(name, msg) [name] = msg,
    SFRAME_ERROR_LIST(SFRAME__MESSAGE)
#undef SFRAME__MESSAGE
};

static const char *const error_names[] = {
#define SFRAME__NAME(name, msg) [name] = #name,
    SFRAME_ERROR_LIST(SFRAME__NAME)
#undef SFRAME__NAME
};

const char *sframe_strerror(sframe_err_t err)
{
    if ((unsigned)err >= (unsigned)SFRAME_ERR__COUNT) {
        return "unknown sframe error";
    }
    return error_messages[err];
}

const char *sframe_errname(sframe_err_t err)
{
    if ((unsigned)err >= (unsigned)SFRAME_ERR__COUNT) {
        return "SFRAME_ERR_UNKNOWN";
    }
    return error_names[err];
}
