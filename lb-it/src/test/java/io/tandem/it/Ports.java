package io.tandem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for the processes a test starts. A port is handed out once per test JVM: the
 * kernel may offer a just-closed ephemeral port again at once, and a config that asks for two ports one
 * after the other (two listeners) must not get the same one twice.
 */
final class Ports {

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Ports() {}

    static int free() {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                if (handOut(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static synchronized boolean handOut(int port) {
        return HANDED_OUT.add(port);
    }

    /** {@code n} different free ports: all are held open until every one is chosen. */
    static int[] free(int n) {
        ServerSocket[] held = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                while (!handOut(s.getLocalPort())) {
                    // An earlier test got this port: take another, opened while this one is still held.
                    ServerSocket next = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    s.close();
                    s = next;
                }
                held[i] = s;
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // Closing a probe socket cannot matter.
                    }
                }
            }
        }
    }
}
