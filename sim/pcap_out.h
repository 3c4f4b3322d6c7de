/* sim/pcap_out.h, private to sim/: writes UDP datagrams into a classic
 * pcap file (link type EN10MB, microsecond times) as Ethernet/IPv4/UDP
 * frames, so that Wireshark and tshark open what blindfold sends: the
 * replay's forwarded.pcap and a run's --pcap. */
#ifndef BLINDFOLD_SIM_PCAP_OUT_H
#define BLINDFOLD_SIM_PCAP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest UDP payload a frame carries. */
#define SIM__PCAP_OUT_MAX_PAYLOAD 65507u

typedef struct sim__pcap_out sim__pcap_out_t;

/* One IPv4 end of a datagram. */
typedef struct sim__pcap_end {
    uint8_t ip[4];
    uint16_t port;
} sim__pcap_end_t;

/* Creates `path`. NULL on failure with one line in err ("PATH: cannot
 * create: why"). */
sim__pcap_out_t *sim__pcap_out_open(const char *path, char *err, size_t err_len);

/* One datagram at time_us (µs since the epoch). Each end gets a MAC
 * address made from its IPv4 address; the IPv4 header checksum is
 * computed and the UDP checksum left 0, as IPv4 allows. A payload over
 * SIM__PCAP_OUT_MAX_PAYLOAD is refused and makes close report failure. */
void sim__pcap_out_udp(sim__pcap_out_t *out, uint64_t time_us, const sim__pcap_end_t *src,
                       const sim__pcap_end_t *dst, const uint8_t *payload, size_t len);

/* Records written so far. */
uint64_t sim__pcap_out_records(const sim__pcap_out_t *out);

/* Flushes and closes; false when any write failed. Accepts NULL (true). */
bool sim__pcap_out_close(sim__pcap_out_t *out);

#endif
