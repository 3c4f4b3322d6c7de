/* Fuzz target: the capture reader (sim/capture.h) on arbitrary bytes taken
 * as a pcap or pcapng file, read from memory. Whatever opens must read to
 * its end or to an error; every refusal and every error must be one line,
 * "fuzz: byte N: ..." with N inside the input (or "fuzz: ..." for the few
 * errors without an offset). Every datagram's kind must be rtp_demux() of
 * its payload, and every payload byte readable; the counters must keep the
 * accounting identity of sim/capture.h. A table of 4 datagrams and a 1 s
 * timeout bring eviction and timeouts within reach.
 *
 * Seeds (corpus/capture/): the four captures of vectors/pcap/ cut to their
 * first packets with `editcap -r FILE OUT 1-3` (pcap) and `editcap -F pcapng`
 * (pcapng), and small captures built with a few lines of python3 struct
 * code: IPv4 fragments out of order, an overlapping pair, IPv6 fragments
 * behind hop-by-hop and destination-options headers, TURN ChannelData
 * carrying RTP and RTCP, STUN and DTLS, QinQ Ethernet, LINUX_SLL2, NULL,
 * LOOP, RAW and IPV6 link types, a record whose capture length is absurd,
 * and a truncated pcapng. */
#include "fuzz.h"

#include "sim/capture.h"

#include <stdlib.h>
#include <string.h>

/* Checks "fuzz: byte N: " with N <= size, or "fuzz: " then no offset. */
static void check_message(const char *msg, size_t size, bool needs_offset)
{
    FUZZ_ASSERT(strncmp(msg, "fuzz: ", 6) == 0);
    FUZZ_ASSERT(strchr(msg, '\n') == NULL);
    if (strncmp(msg, "fuzz: byte ", 11) != 0) {
        FUZZ_ASSERT(!needs_offset);
        return;
    }
    char *end;
    unsigned long long offset = strtoull(msg + 11, &end, 10);
    FUZZ_ASSERT(end != msg + 11 && strncmp(end, ": ", 2) == 0);
    FUZZ_ASSERT(offset <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim__capture_config_t config = sim__capture_config_default();
    config.max_reassembly = 4;
    config.reassembly_timeout_us = 1000000u;
    char msg[512];
    sim__capture_t *reader;
    sim__capture_err_t err =
        sim__capture_open_memory(data, size, "fuzz", &config, &reader, msg, sizeof msg);
    if (err != SIM__CAPTURE_OK) {
        FUZZ_ASSERT(reader == NULL);
        check_message(msg, size, err != SIM__CAPTURE_ERR_IO && err != SIM__CAPTURE_ERR_NO_MEMORY);
        return 0;
    }
    sim__capture_datagram_t d;
    uint64_t datagrams = 0;
    volatile uint8_t sink = 0;
    while ((err = sim__capture_next(reader, &d)) == SIM__CAPTURE_OK) {
        FUZZ_ASSERT(d.kind == rtp_demux(d.payload, d.payload_len));
        FUZZ_ASSERT(d.payload_len <= 65535);
        FUZZ_ASSERT(d.src.family == d.dst.family);
        FUZZ_ASSERT(d.src.family == 4 || d.src.family == 6);
        FUZZ_ASSERT(d.via_turn == (d.turn_channel != 0));
        FUZZ_ASSERT(d.offset < size);
        for (size_t i = 0; i < d.payload_len; i++)
            sink = (uint8_t)(sink ^ d.payload[i]);
        datagrams++;
    }
    (void)sink;
    const sim__capture_counters_t *c = sim__capture_counters(reader);
    uint64_t skipped = 0, by_kind = 0;
    for (size_t i = 0; i < SIM__CAPTURE_SKIP__COUNT; i++)
        skipped += c->skipped[i];
    for (size_t i = 0; i < SIM__CAPTURE_KINDS; i++)
        by_kind += c->by_kind[i];
    FUZZ_ASSERT(c->datagrams == datagrams && by_kind == datagrams);
    FUZZ_ASSERT(c->records - c->fragments + c->reassembled == datagrams + skipped);
    if (err == SIM__CAPTURE_END) {
        FUZZ_ASSERT(sim__capture_message(reader)[0] == '\0');
    } else {
        FUZZ_ASSERT(err == SIM__CAPTURE_ERR_TRUNCATED || err == SIM__CAPTURE_ERR_MALFORMED ||
                    err == SIM__CAPTURE_ERR_IO);
        check_message(sim__capture_message(reader), size, err != SIM__CAPTURE_ERR_IO);
    }
    FUZZ_ASSERT(sim__capture_next(reader, &d) == err);
    sim__capture_close(reader);
    return 0;
}
