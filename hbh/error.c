/* hbh/ error names and messages, generated from the one HBH_ERROR_LIST
 * X-macro in hbh/hbh.h (the libuv pattern), so the enum and both tables
 * cannot drift apart. */
#include "hbh/hbh.h"

static const char *const hbh__error_messages[] = {
#define HBH__MESSAGE(name, msg) [name] = msg,
    HBH_ERROR_LIST(HBH__MESSAGE)
#undef HBH__MESSAGE
};

static const char *const hbh__error_names[] = {
#define HBH__NAME(name, msg) [name] = #name,
    HBH_ERROR_LIST(HBH__NAME)
#undef HBH__NAME
};

const char *hbh_strerror(hbh_err_t err)
{
    if ((unsigned)err >= (unsigned)HBH_ERR__COUNT) {
        return "unknown hbh error";
    }
    return hbh__error_messages[err];
}

const char *hbh_errname(hbh_err_t err)
{
    if ((unsigned)err >= (unsigned)HBH_ERR__COUNT) {
        return "HBH_ERR_UNKNOWN";
    }
    return hbh__error_names[err];
}
