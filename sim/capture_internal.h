/* Private to the capture reader (sim/capture.c, sim/capture_ip.c): the IP
 * layer's interface to the file and link layer, and big-endian readers. */
#ifndef BLINDFOLD_SIM_CAPTURE_INTERNAL_H
#define BLINDFOLD_SIM_CAPTURE_INTERNAL_H

#include "sim/capture.h"

static inline uint16_t sim__capture_rd16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t sim__capture_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The fragment reassembly table (capture_ip.c). */
typedef struct sim__capture_reasm sim__capture_reasm_t;

/* A table of `slots` datagrams (1..SIM__CAPTURE_REASM_SLOTS_MAX) with the
 * given timeout; NULL when out of memory. Slot buffers come on first use. */
sim__capture_reasm_t *sim__capture_reasm_new(size_t slots, uint64_t timeout_us);

/* Accepts NULL. */
void sim__capture_reasm_free(sim__capture_reasm_t *reasm);

/* Drops every datagram whose first fragment is more than the timeout before
 * now_us (capture time; a datagram that started after now_us stays). */
void sim__capture_reasm_expire(sim__capture_reasm_t *reasm, uint64_t now_us,
                               sim__capture_counters_t *counters);

/* Drops every datagram still held, as incomplete (end of the capture). */
void sim__capture_reasm_flush(sim__capture_reasm_t *reasm, sim__capture_counters_t *counters);

/* What the IP layer made of one packet. */
typedef enum sim__capture_ip_result {
    SIM__CAPTURE_IP_UDP,      /* a UDP datagram: *out is filled */
    SIM__CAPTURE_IP_FRAGMENT, /* a fragment, held or dropped (counted) */
    SIM__CAPTURE_IP_SKIPPED,  /* no datagram; counted under counters->skipped */
} sim__capture_ip_result_t;

typedef struct sim__capture_udp {
    sim__capture_addr_t src, dst;
    const uint8_t *payload; /* the UDP payload, UDP length minus 8 bytes */
    size_t payload_len;
    bool reassembled;
} sim__capture_udp_t;

/* Parses the IP packet at [ip, ip + len) (what the link layer carried) down
 * to UDP, reassembling fragments. `version` is 4 or 6 when the link layer
 * says which, 0 to go by the version nibble. `snapped` tells that the record
 * kept fewer bytes than were on the wire, so that a packet running past
 * `len` counts as snapped rather than bad. A rebuilt datagram's payload
 * points into the table and stays valid until the next call. */
sim__capture_ip_result_t sim__capture_ip_input(sim__capture_reasm_t *reasm,
                                               sim__capture_counters_t *counters, uint64_t now_us,
                                               const uint8_t *ip, size_t len, unsigned version,
                                               bool snapped, sim__capture_udp_t *out);

#endif
