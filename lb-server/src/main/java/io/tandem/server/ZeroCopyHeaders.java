package io.tandem.server;

import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * io_uring event loops with a smaller table of zero-copy message headers.
 *
 * <p>Netty 4.2's {@link IoUringIoHandler} allocates, per event loop, 1,024 message
 * headers (a number fixed in its constructor), each with its direct buffers and
 * their views: some 4,000 {@code DirectByteBuffer}s and 1,024 holders per loop,
 * 0.3 MiB of heap that lives as long as the loop, 0.9 of the 12.6 MiB an idle
 * Tandem kept live over its three loops (docs/benchmarks.md, "A smaller live
 * heap"). The only user
 * of that table is a socket's zero-copy {@code sendmsg}, which Tandem never asks
 * for (it sets no zero-copy write threshold; datagram channels keep tables of
 * their own). When the table is full Netty submits what it holds and starts it
 * again, so a small table stays correct for anyone who turns zero-copy on.
 *
 * <p>The table is a private field of Netty's, so it is replaced by reflection,
 * right after the handler is made and before its loop runs. Should a Netty
 * version lack the field or the class, the handlers keep their tables and the
 * start log says so once; {@code TransportTest} checks the replacement against
 * the Netty version the build pins.
 */
final class ZeroCopyHeaders {

    private static final Logger log = LoggerFactory.getLogger(ZeroCopyHeaders.class);

    /** Headers per loop: one per zero-copy write, 16 writes in a pass of the loop before Netty submits. */
    static final short CAPACITY = 16;

    private static final Field TABLE;
    private static final Constructor<?> NEW_TABLE;
    private static final Method RELEASE;
    private static final Method TABLE_CAPACITY;
    private static final String UNAVAILABLE;

    static {
        Field table = null;
        Constructor<?> newTable = null;
        Method release = null;
        Method capacity = null;
        String unavailable = null;
        try {
            table = IoUringIoHandler.class.getDeclaredField("msgHdrMemoryArray");
            Class<?> type = table.getType();
            newTable = type.getDeclaredConstructor(short.class);
            release = type.getDeclaredMethod("release");
            capacity = type.getDeclaredMethod("capacity");
            table.setAccessible(true);
            newTable.setAccessible(true);
            release.setAccessible(true);
            capacity.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unavailable = e.toString();
            log.info("io_uring: Netty's tables of zero-copy message headers kept at their size ({})", unavailable);
        }
        TABLE = table;
        NEW_TABLE = newTable;
        RELEASE = release;
        TABLE_CAPACITY = capacity;
        UNAVAILABLE = unavailable;
    }

    private ZeroCopyHeaders() {}

    /** {@code netty}'s handlers, each with a table of {@link #CAPACITY} headers in place of Netty's. */
    static IoHandlerFactory shrinking(IoHandlerFactory netty) {
        if (UNAVAILABLE != null) {
            return netty;
        }
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                IoHandler handler = netty.newHandler(executor);
                shrink(handler);
                return handler;
            }

            @Override
            public boolean isChangingThreadSupported() {
                return netty.isChangingThreadSupported();
            }
        };
    }

    private static void shrink(IoHandler handler) {
        try {
            Object small = NEW_TABLE.newInstance(CAPACITY);
            Object netty = TABLE.get(handler);
            TABLE.set(handler, small);
            RELEASE.invoke(netty);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("io_uring: Netty's table of zero-copy message headers kept at its size ({})", e.toString());
        }
    }

    /** How many headers {@code handler}'s table holds (for tests). */
    static int capacity(IoHandler handler) throws ReflectiveOperationException {
        return (int) TABLE_CAPACITY.invoke(TABLE.get(handler));
    }
}
