/* Datagrams into a pcap file (sim/pcap_out.h), through libpcap's writer. */
#include "sim/pcap_out.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_HEADERS (14u + 20u + 8u)

struct sim__pcap_out {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    uint64_t records;
    bool failed;
    uint8_t frame[FRAME_HEADERS + SIM__PCAP_OUT_MAX_PAYLOAD];
};

sim__pcap_out_t *sim__pcap_out_open(const char *path, char *err, size_t err_len)
{
    sim__pcap_out_t *out = calloc(1, sizeof *out);
    if (out != NULL)
        out->dead = pcap_open_dead(DLT_EN10MB, (int)(FRAME_HEADERS + SIM__PCAP_OUT_MAX_PAYLOAD));
    if (out == NULL || out->dead == NULL) {
        snprintf(err, err_len, "%s: cannot create: out of memory", path);
        free(out);
        return NULL;
    }
    out->dumper = pcap_dump_open(out->dead, path);
    if (out->dumper == NULL) {
        snprintf(err, err_len, "%s: cannot create: %s", path, pcap_geterr(out->dead));
        pcap_close(out->dead);
        free(out);
        return NULL;
    }
    return out;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A locally administered MAC address holding the IPv4 address. */
static void mac_of(const sim__pcap_end_t *end, uint8_t mac[6])
{
    mac[0] = 0x02;
    mac[1] = 0x00;
    memcpy(mac + 2, end->ip, 4);
}

void sim__pcap_out_udp(sim__pcap_out_t *out, uint64_t time_us, const sim__pcap_end_t *src,
                       const sim__pcap_end_t *dst, const uint8_t *payload, size_t len)
{
    if (out == NULL)
        return;
    if (len > SIM__PCAP_OUT_MAX_PAYLOAD || (payload == NULL && len > 0)) {
        out->failed = true;
        return;
    }
    uint8_t *eth = out->frame, *ip = eth + 14, *udp = ip + 20;
    mac_of(dst, eth);
    mac_of(src, eth + 6);
    put16(eth + 12, 0x0800);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(20 + 8 + len));
    put16(ip + 4, (unsigned)(out->records & 0xffffu));
    ip[6] = 0x40; /* don't fragment */
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, src->ip, 4);
    memcpy(ip + 16, dst->ip, 4);
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffffu);
    put16(udp, src->port);
    put16(udp + 2, dst->port);
    put16(udp + 4, (unsigned)(8 + len));
    put16(udp + 6, 0);
    if (len > 0)
        memcpy(udp + 8, payload, len);
    struct pcap_pkthdr hdr;
    memset(&hdr, 0, sizeof hdr);
    hdr.ts.tv_sec = (time_t)(time_us / 1000000u);
    hdr.ts.tv_usec = (suseconds_t)(time_us % 1000000u);
    hdr.caplen = hdr.len = (bpf_u_int32)(FRAME_HEADERS + len);
    pcap_dump((u_char *)out->dumper, &hdr, out->frame);
    out->records++;
}

uint64_t sim__pcap_out_records(const sim__pcap_out_t *out)
{
    return out != NULL ? out->records : 0;
}

bool sim__pcap_out_close(sim__pcap_out_t *out)
{
    if (out == NULL)
        return true;
    bool ok =
        !out->failed && pcap_dump_flush(out->dumper) == 0 && !ferror(pcap_dump_file(out->dumper));
    pcap_dump_close(out->dumper);
    pcap_close(out->dead);
    free(out);
    return ok;
}
