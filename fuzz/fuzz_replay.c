/* Fuzz target: a whole `blindfold replay` (sim/sim_replay.h) on arbitrary
 * bytes taken as a capture: both passes, the SRTP matching, the codec
 * probe, the SFU core with two subscribers, the timeseries and the report.
 * The input reaches sim_replay() as a file (a memfd, since the replay
 * reads a path twice). The first byte picks options: bit 0 gives an SRTP
 * key, so every packet is also tried against it. Whatever the bytes, the
 * replay must end OK, DAMAGED or BAD_INPUT with a one-line message; on OK
 * and DAMAGED the report must account for every stream: forwarded packets
 * only for replayed streams, at most two copies of each packet sent.
 *
 * Seeds (corpus/replay/): the capture target's seeds, and the first
 * packets of vectors/pcap/str0m-vp8.pcap and membrane-h264-mpa.pcap with a
 * leading option byte. */
#define _GNU_SOURCE
#include "fuzz.h"

#include "sim/sim_replay.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;
    int fd = memfd_create("fuzz-replay", 0);
    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    FILE *sink = fopen("/dev/null", "w");
    FUZZ_ASSERT(sink != NULL);
    static const char *const keys[] = {
        "AES_CM_128_HMAC_SHA1_80:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
    };
    sim_replay_options_t o = sim_replay_options_default();
    o.capture = path;
    o.subscribers = 2;
    o.srtp_keys = keys;
    o.n_srtp_keys = (flags & 1u) ? 1 : 0;
    o.streams_csv = sink;
    o.stream_timeseries = sink;
    o.forwarded_pcap = "/dev/null";
    json_t *report = NULL;
    char err[1024] = "";
    sim_replay_status_t st = sim_replay(&o, &report, err, sizeof err);
    FUZZ_ASSERT(st == SIM_REPLAY_OK || st == SIM_REPLAY_DAMAGED || st == SIM_REPLAY_BAD_INPUT);
    FUZZ_ASSERT(strchr(err, '\n') == NULL);
    FUZZ_ASSERT((st == SIM_REPLAY_OK) == (err[0] == '\0'));
    FUZZ_ASSERT((report != NULL) == (st != SIM_REPLAY_BAD_INPUT));
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(report, "streams"), i, s)
    {
        json_int_t packets = json_integer_value(json_object_get(s, "packets"));
        json_int_t sent = json_integer_value(json_object_get(s, "sent_to_sfu"));
        json_int_t forwarded = json_integer_value(json_object_get(s, "forwarded_packets"));
        FUZZ_ASSERT(sent <= packets);
        FUZZ_ASSERT(forwarded <= 2 * sent);
        if (!json_is_true(json_object_get(s, "replayed")))
            FUZZ_ASSERT(sent == 0 && forwarded == 0);
    }
    json_decref(report);
    fclose(sink);
    close(fd);
    return 0;
}
