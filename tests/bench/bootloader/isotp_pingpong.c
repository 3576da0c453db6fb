/* isotp_pingpong: the floor for the bootloader agent's TransferData over
 * ISO-TP — the same per-block ping-pong with nothing but the kernel's
 * CAN_ISOTP sockets: the tester sends a message of SIZE bytes (0x36, a
 * counter, data), the ECU answers 2 bytes (0x76, the counter), then the next.
 * Socket options as IsoTpLink's (padding 0xCC, the kernel's default frame
 * time, CAN_ISOTP_WAIT_TX_DONE on the tester) and the simulator's ISO-TP front
 * (padding, no wait). Run in the qemu guest by isotp_agent_qemu.sh.
 *
 *   isotp_pingpong ecu IFACE RXID TXID BLOCKS          answers BLOCKS messages, then exits
 *   isotp_pingpong tester IFACE TXID RXID BLOCKS SIZE  prints "pingpong: N blocks of SIZE bytes in MS ms, KiB/s of
 * data" (ids in hex). Exits 0 when every reply came and matched. */
#include <linux/can.h>
#include <linux/can/isotp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int open_isotp(const char *iface, unsigned tx, unsigned rx, int wait_tx_done) {
    const int fd = socket(PF_CAN, SOCK_DGRAM, CAN_ISOTP);
    if (fd < 0) {
        perror("socket CAN_ISOTP");
        exit(2);
    }
    struct can_isotp_options opts;
    memset(&opts, 0, sizeof opts);
    opts.flags = CAN_ISOTP_TX_PADDING | (wait_tx_done ? CAN_ISOTP_WAIT_TX_DONE : 0);
    opts.txpad_content = 0xCC;
    opts.frame_txtime = CAN_ISOTP_DEFAULT_FRAME_TXTIME;
    struct sockaddr_can addr;
    memset(&addr, 0, sizeof addr);
    addr.can_family = AF_CAN;
    addr.can_ifindex = (int)if_nametoindex(iface);
    addr.can_addr.tp.tx_id = tx;
    addr.can_addr.tp.rx_id = rx;
    if (setsockopt(fd, SOL_CAN_ISOTP, CAN_ISOTP_OPTS, &opts, sizeof opts) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror(iface);
        exit(2);
    }
    return fd;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    static unsigned char buffer[4096];
    if (argc == 6 && strcmp(argv[1], "ecu") == 0) {
        const int fd = open_isotp(argv[2], strtoul(argv[4], NULL, 16), strtoul(argv[3], NULL, 16), 0);
        for (long left = strtol(argv[5], NULL, 10); left > 0; --left) {
            const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
            if (n < 0) {
                perror("ecu recv");
                return 1;
            }
            const unsigned char reply[2] = {0x76, n > 1 ? buffer[1] : 0};
            if (send(fd, reply, sizeof reply, 0) != (ssize_t)sizeof reply) {
                perror("ecu send");
                return 1;
            }
        }
        return 0;
    }
    if (argc != 7 || strcmp(argv[1], "tester") != 0) {
        fprintf(stderr, "usage: %s ecu IFACE RXID TXID BLOCKS | tester IFACE TXID RXID BLOCKS SIZE\n", argv[0]);
        return 2;
    }
    const int fd = open_isotp(argv[2], strtoul(argv[3], NULL, 16), strtoul(argv[4], NULL, 16), 1);
    const long blocks = strtol(argv[5], NULL, 10);
    const long size = strtol(argv[6], NULL, 10);
    if (blocks < 1 || size < 3 || size > (long)sizeof buffer - 1) {
        fprintf(stderr, "BLOCKS >= 1, SIZE 3..4095\n");
        return 2;
    }
    for (long i = 0; i < size; ++i) buffer[i] = (unsigned char)(i * 7 + 3);
    int ok = 1;
    const double t0 = now_ms();
    for (long b = 0; b < blocks && ok; ++b) {
        buffer[0] = 0x36;
        buffer[1] = (unsigned char)((b + 1) & 0xFF);
        unsigned char reply[8];
        if (send(fd, buffer, (size_t)size, 0) != size) {
            perror("tester send");
            ok = 0;
        } else if (recv(fd, reply, sizeof reply, 0) != 2 || reply[0] != 0x76 || reply[1] != buffer[1]) {
            fprintf(stderr, "block %ld: no or a wrong reply\n", b + 1);
            ok = 0;
        }
    }
    const double ms = now_ms() - t0;
    printf("pingpong: %ld blocks of %ld bytes in %.0f ms, %.1f KiB/s of data\n", blocks, size, ms,
           blocks * (size - 2) / 1024.0 / (ms / 1000.0));
    return ok ? 0 : 1;
}
