/* bench_replay: capture packets per second through `blindfold replay`,
 * against tshark's `-z rtp,streams` on the same file in the same run.
 *
 * The input: every capture of vectors/pcap/ (the folder given as the one
 * argument, by default the source tree's), concatenated REPS times into one
 * temporary pcap, each copy after the last in capture time and with its
 * SSRCs moved (+ rep * 0x10000), so every copy's streams are new streams
 * that start, as the originals do, at their first packet: the SFU then
 * forwards each copy as it forwards the capture, instead of dropping old
 * sequence numbers.
 *
 * Cases, each reporting records of the file per second:
 *  - "sfu": sim_replay() with one subscriber and no output files: both
 *    passes (probe, and replay through the SFU core), the report built.
 *  - "no-sfu": what the replay does without the core: the capture reader
 *    (sim/capture.h), the stream table (sim/replay_streams.h) and the
 *    looks_encrypted accumulator (sim/replay_inspect.h) over every RTP
 *    payload, one pass.
 * Reference ("tshark"): `tshark -r FILE -o rtp.heuristic_rtp:TRUE -q -z
 * rtp,streams` on the same file, its output discarded: records per second,
 * start-up included. ratio = value / reference_value (higher is better).
 * Without tshark on PATH the lines have no reference.
 *
 * Timing: CLOCK_MONOTONIC around whole passes; the best of PASSES counts.
 * Output follows docs/cli.md "Benchmarks". --quick: 2 copies, one pass. */
#include "sim/capture.h"
#include "sim/replay_inspect.h"
#include "sim/replay_streams.h"
#include "sim/sim_replay.h"

#include <glob.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_REPLAY_VECTORS
#define BENCH_REPLAY_VECTORS "vectors/pcap"
#endif

enum { EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

#define MAX_INSPECTED 256 /* streams the no-sfu case inspects */

typedef struct bench_config {
    unsigned reps, passes;
} bench_config_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- The input file ---------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Adds `delta` to the SSRC of an RTP packet in Ethernet/IPv4/UDP. Leaves
 * everything else alone (the replay does not check UDP checksums, nor does
 * tshark by default). */
static void move_ssrc(uint8_t *frame, size_t len, uint32_t delta)
{
    if (len < 14 + 20 + 8 + 12 || rd16(frame + 12) != 0x0800)
        return;
    uint8_t *ip = frame + 14;
    size_t ihl = (size_t)(ip[0] & 0x0F) * 4;
    if (ip[0] >> 4 != 4 || ip[9] != 17 || ihl < 20 || len < 14 + ihl + 8 + 12)
        return;
    uint8_t *rtp = ip + ihl + 8;
    if (rtp_demux(rtp, len - 14 - ihl - 8) != RTP_DEMUX_RTP)
        return;
    uint32_t ssrc =
        (uint32_t)rtp[8] << 24 | (uint32_t)rtp[9] << 16 | (uint32_t)rtp[10] << 8 | rtp[11];
    ssrc += delta;
    for (int i = 0; i < 4; i++)
        rtp[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
}

/* Appends `reps` copies of each capture to `dumper`, each copy 1 s after
 * the last; returns the records written, 0 on failure. */
static uint64_t concatenate(const glob_t *found, unsigned reps, pcap_dumper_t *dumper)
{
    static uint8_t frame[262144];
    uint64_t records = 0;
    int64_t cursor_us = 1700000000LL * 1000000;
    for (unsigned rep = 0; rep < reps; rep++) {
        for (size_t i = 0; i < found->gl_pathc; i++) {
            char err[PCAP_ERRBUF_SIZE];
            pcap_t *in = pcap_open_offline(found->gl_pathv[i], err);
            if (in == NULL || pcap_datalink(in) != DLT_EN10MB) {
                fprintf(stderr, "bench_replay: %s: %s\n", found->gl_pathv[i],
                        in == NULL ? err : "not EN10MB");
                if (in != NULL)
                    pcap_close(in);
                return 0;
            }
            struct pcap_pkthdr *hdr;
            const u_char *bytes;
            int64_t first_us = -1, last_us = cursor_us;
            while (pcap_next_ex(in, &hdr, &bytes) == 1) {
                int64_t us = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
                if (first_us < 0)
                    first_us = us;
                int64_t at = cursor_us + (us - first_us);
                last_us = at > last_us ? at : last_us;
                size_t len = hdr->caplen < sizeof frame ? hdr->caplen : sizeof frame;
                memcpy(frame, bytes, len);
                move_ssrc(frame, len, rep * 0x10000u);
                struct pcap_pkthdr out = *hdr;
                out.ts.tv_sec = (time_t)(at / 1000000);
                out.ts.tv_usec = (suseconds_t)(at % 1000000);
                out.caplen = (bpf_u_int32)len;
                pcap_dump((u_char *)dumper, &out, frame);
                records++;
            }
            pcap_close(in);
            cursor_us = last_us + 1000000;
        }
    }
    return records;
}

/* Writes the input into a fresh temporary file, named in path. */
static uint64_t make_input(const char *vectors, unsigned reps, char *path, size_t cap)
{
    char pattern[1024];
    snprintf(pattern, sizeof pattern, "%s/*.pcap", vectors);
    glob_t found;
    if (glob(pattern, 0, NULL, &found) != 0 || found.gl_pathc == 0) {
        fprintf(stderr, "bench_replay: no capture matches %s\n", pattern);
        return 0;
    }
    snprintf(path, cap, "/tmp/bench_replay-XXXXXX");
    int fd = mkstemp(path);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    pcap_dumper_t *dumper = out != NULL && dead != NULL ? pcap_dump_fopen(dead, out) : NULL;
    uint64_t records = 0;
    if (dumper != NULL) {
        records = concatenate(&found, reps, dumper);
        if (pcap_dump_flush(dumper) != 0)
            records = 0;
        pcap_dump_close(dumper); /* closes out */
    } else if (out != NULL) {
        fclose(out);
    }
    if (dead != NULL)
        pcap_close(dead);
    globfree(&found);
    return records;
}

/* --- The cases --------------------------------------------------------------- */

/* One sim_replay() pass; returns its seconds, or a negative number. */
static double pass_sfu(const char *path, uint64_t records)
{
    sim_replay_options_t options = sim_replay_options_default();
    options.capture = path;
    json_t *report = NULL;
    char err[512];
    double t0 = now_s();
    sim_replay_status_t status = sim_replay(&options, &report, err, sizeof err);
    double elapsed = now_s() - t0;
    if (status != SIM_REPLAY_OK) {
        fprintf(stderr, "bench_replay: sim_replay: %s\n", err);
        json_decref(report);
        return -1;
    }
    json_int_t read = json_integer_value(json_object_get(report, "packets_read"));
    json_decref(report);
    if ((uint64_t)read != records) {
        fprintf(stderr, "bench_replay: the replay read %lld of %llu records\n", (long long)read,
                (unsigned long long)records);
        return -1;
    }
    return elapsed;
}

typedef struct inspected {
    const sim__streams_row_t *row;
    sim__inspect_payloads_t acc;
} inspected_t;

/* Feeds one RTP datagram's payload to its stream's accumulator. */
static void inspect(inspected_t *slots, size_t *n, const sim__streams_row_t *row,
                    const uint8_t *rtp, size_t len)
{
    size_t i = 0;
    while (i < *n && slots[i].row != row)
        i++;
    if (i == *n) {
        if (*n == MAX_INSPECTED)
            return;
        slots[i].row = row;
        sim__inspect_payloads_init(&slots[i].acc, SIM__INSPECT_CODEC_UNKNOWN);
        (*n)++;
    }
    rtp_header_t h;
    if (rtp_parse(rtp, len, &h) == RTP_OK)
        sim__inspect_payloads_feed(&slots[i].acc, h.payload, h.payload_len);
}

static sim__streams_endpoint_t endpoint_of(const sim__capture_addr_t *a)
{
    sim__streams_endpoint_t ep = { .family = a->family, .port = a->port };
    memcpy(ep.addr, a->ip, sizeof ep.addr);
    return ep;
}

/* One pass of reader, table and inspection; seconds, or negative. */
static double pass_no_sfu(const char *path, uint64_t records)
{
    static inspected_t slots[MAX_INSPECTED];
    size_t n_slots = 0;
    char msg[512];
    double t0 = now_s();
    sim__capture_t *cap = NULL;
    if (sim__capture_open(path, NULL, &cap, msg, sizeof msg) != SIM__CAPTURE_OK) {
        fprintf(stderr, "bench_replay: %s\n", msg);
        return -1;
    }
    sim__streams_t *table = sim__streams_create(NULL);
    sim__capture_datagram_t d;
    bool first = true;
    while (table != NULL && sim__capture_next(cap, &d) == SIM__CAPTURE_OK) {
        if (first)
            sim__streams_set_origin(table, (int64_t)d.first_time_us);
        first = false;
        if (d.kind != RTP_DEMUX_RTP)
            continue;
        sim__streams_packet_t p = { .capture_us = (int64_t)d.time_us,
                                    .src = endpoint_of(&d.src),
                                    .dst = endpoint_of(&d.dst),
                                    .rtp = d.payload,
                                    .rtp_len = d.payload_len };
        sim__streams_row_t *row = NULL;
        if (sim__streams_add(table, &p, &row) == SIM__STREAMS_COUNTED)
            inspect(slots, &n_slots, row, d.payload, d.payload_len);
    }
    for (size_t i = 0; i < n_slots; i++)
        (void)sim__inspect_payloads_verdict(&slots[i].acc);
    uint64_t read = sim__capture_counters(cap)->records;
    double elapsed = now_s() - t0;
    sim__streams_destroy(table);
    sim__capture_close(cap);
    if (read != records) {
        fprintf(stderr, "bench_replay: the reader read %llu of %llu records\n",
                (unsigned long long)read, (unsigned long long)records);
        return -1;
    }
    return elapsed;
}

static bool tshark_on_path(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

static double pass_tshark(const char *path, uint64_t records)
{
    (void)records;
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "tshark -r '%s' -o rtp.heuristic_rtp:TRUE -q -z rtp,streams >/dev/null 2>&1", path);
    double t0 = now_s();
    int status = system(cmd);
    double elapsed = now_s() - t0;
    if (status != 0) {
        fprintf(stderr, "bench_replay: tshark failed (status %d)\n", status);
        return -1;
    }
    return elapsed;
}

typedef double (*pass_fn)(const char *path, uint64_t records);

/* Best of `passes`; negative when a pass failed. */
static double best_of(pass_fn pass, const char *path, uint64_t records, unsigned passes)
{
    double best = -1;
    for (unsigned i = 0; i < passes; i++) {
        double s = pass(path, records);
        if (s < 0)
            return -1;
        if (best < 0 || s < best)
            best = s;
    }
    return best;
}

static void print_line(const char *name, double value, double reference)
{
    printf("{\"bench\": \"replay\", \"case\": \"%s\", \"metric\": \"packets_per_s\", "
           "\"value\": %.0f, \"unit\": \"1/s\"",
           name, value);
    if (reference > 0)
        printf(", \"reference\": \"tshark -z rtp,streams\", \"reference_value\": %.0f, "
               "\"ratio\": %.3f",
               reference, value / reference);
    printf("}\n");
}

int main(int argc, char **argv)
{
    bench_config_t cfg = { .reps = 20, .passes = 3 };
    const char *vectors = BENCH_REPLAY_VECTORS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg.reps = 2;
            cfg.passes = 1;
        } else if (argv[i][0] != '-') {
            vectors = argv[i];
        } else {
            fprintf(stderr, "usage: bench_replay [--quick] [VECTORS_DIR]\n");
            return EXIT_USAGE;
        }
    }
    char path[64];
    uint64_t records = make_input(vectors, cfg.reps, path, sizeof path);
    if (records == 0) {
        fprintf(stderr, "bench_replay: cannot build the input from %s\n", vectors);
        return EXIT_INTERNAL;
    }
    int status = EXIT_INTERNAL;
    double reference = 0;
    if (tshark_on_path()) {
        double s = best_of(pass_tshark, path, records, cfg.passes);
        if (s <= 0)
            goto done;
        reference = (double)records / s;
    }
    double sfu_s = best_of(pass_sfu, path, records, cfg.passes);
    double no_sfu_s = best_of(pass_no_sfu, path, records, cfg.passes);
    if (sfu_s <= 0 || no_sfu_s <= 0)
        goto done;
    print_line("sfu", (double)records / sfu_s, reference);
    print_line("no-sfu", (double)records / no_sfu_s, reference);
    status = EXIT_SUCCESS;
done:
    unlink(path);
    return status;
}
