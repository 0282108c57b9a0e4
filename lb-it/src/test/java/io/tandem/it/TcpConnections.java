package io.tandem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Counts this machine's open TCP connections from the kernel's tables (Linux
 * {@code /proc/net/tcp} and {@code tcp6}: Java's dual-stack sockets to
 * 127.0.0.1 show up in the IPv6 one).
 */
final class TcpConnections {

    private TcpConnections() {}

    /** Established connections whose remote end is {@code port} (e.g. the balancer's connections to a backend). */
    static long establishedTo(int port) {
        String portHex = String.format(":%04X", port);
        long n = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                n += Files.readAllLines(Path.of(table)).stream().skip(1).map(String::trim).map(l -> l.split("\\s+"))
                        .filter(f -> f[2].endsWith(portHex) && f[3].equals("01")).count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }
}
