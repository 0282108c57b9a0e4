package io.tandem.server.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.server.dynamic.SharedChange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two StateSync ends on loopback TCP, as two nodes of a pair run them. */
class StateSyncTest {

    private static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 3);
    }

    private final List<String> appliedOnA = Collections.synchronizedList(new ArrayList<>());
    private final List<String> appliedOnB = Collections.synchronizedList(new ArrayList<>());
    private final List<StateSync> started = new ArrayList<>();
    private final InetSocketAddress portA = free();
    private final InetSocketAddress portB = free();

    private static InetSocketAddress free() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress("127.0.0.1", s.getLocalPort());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private StateSync a() {
        return new StateSync("lb-a", KEY, portA, portB, (c, peer) -> appliedOnA.add(peer + " " + c.value()),
                List::of);
    }

    private StateSync b() {
        return new StateSync("lb-b", KEY, portB, portA, (c, peer) -> appliedOnB.add(peer + " " + c.value()),
                List::of);
    }

    private StateSync start(StateSync s) throws IOException {
        s.start();
        started.add(s);
        return s;
    }

    @AfterEach
    void stop() {
        started.forEach(StateSync::close);
    }

    private static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10s: " + what);
            }
            Thread.onSpinWait();
        }
    }

    private static SharedChange drain(String value) {
        return new SharedChange(SharedChange.DRAIN, "web", "10.0.0.1:80", value);
    }

    // Changes made on one end are applied on the other in the order made, and both say in sync.
    @Test
    void pushesInOrder() throws IOException {
        StateSync a = start(a());
        StateSync b = start(b());
        until("connected", () -> Boolean.TRUE.equals(a.status().get("inSync"))
                && Boolean.TRUE.equals(b.status().get("inSync")));
        a.local(drain("drained"));
        a.local(new SharedChange(SharedChange.WEIGHT, "web", "10.0.0.1:80", "5"));
        a.local(drain("enabled"));
        until("three changes on b", () -> appliedOnB.size() == 3);
        assertThat(appliedOnB).containsExactly("lb-a drained", "lb-a 5", "lb-a enabled");
        until("in sync", () -> Boolean.TRUE.equals(a.status().get("inSync"))
                && Boolean.TRUE.equals(b.status().get("inSync")));
        assertThat(appliedOnA).isEmpty();
    }

    // Apart, lb-a drains and later lb-b enables the same backend: once connected, each teaches the
    // other, and both keep the later change (lb-a applies lb-b's enable; lb-b ignores lb-a's drain).
    @Test
    void laterChangeWinsAfterAPartition() throws IOException {
        StateSync a = a();
        StateSync b = b();
        a.local(drain("drained"));
        long t = System.currentTimeMillis();
        until("the clock to move on", () -> System.currentTimeMillis() > t);
        b.local(drain("enabled"));
        start(a);
        start(b);
        until("in sync", () -> Boolean.TRUE.equals(a.status().get("inSync"))
                && Boolean.TRUE.equals(b.status().get("inSync")));
        assertThat(appliedOnA).containsExactly("lb-b enabled");
        assertThat(appliedOnB).isEmpty();
    }

    // A peer that restarts (a new end, nothing applied yet) is taught the whole state, then gets new changes.
    @Test
    void restartedPeerIsTaught() throws IOException {
        StateSync a = start(a());
        StateSync b = start(b());
        until("connected", () -> Boolean.TRUE.equals(a.status().get("inSync")));
        a.local(drain("drained"));
        until("b applied it", () -> appliedOnB.size() == 1);
        b.close();
        started.remove(b);
        appliedOnB.clear();
        StateSync b2 = start(b());
        a.local(new SharedChange(SharedChange.WEIGHT, "web", "10.0.0.1:80", "7"));
        until("b2 taught and updated", () -> appliedOnB.size() == 2);
        assertThat(appliedOnB).containsExactly("lb-a drained", "lb-a 7");
        until("in sync", () -> Boolean.TRUE.equals(b2.status().get("inSync")));
    }
}
