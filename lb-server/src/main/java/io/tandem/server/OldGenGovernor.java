package io.tandem.server;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Optional;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import javax.management.NotificationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the serial collector's old generation from growing with garbage.
 *
 * <p>At a thousand busy connections the requests in flight outgrow the young generation's survivor
 * space at every young collection, so part of them is promoted and dies in the old generation. JDK 17's
 * serial collector collects the old generation once it is full, so the heap stays near its initial
 * size. Later JDKs (seen on 25) instead expand the old generation by what each young collection promotes,
 * up to {@code -Xmx}: without a full collection the heap grew by about 1 MiB a second under load, to
 * 98 MiB of mostly dead requests after 90 s (docs/benchmarks.md, "Memory on JDK 17 and 25").
 *
 * <p>This asks for a full collection ({@link System#gc()}, on the JDK's notification thread, not on an
 * event loop) when the old generation's use passes a threshold: the size the collector itself gives the
 * generation after a full collection, for the bytes the last collection this asked for found live
 * ({@code -XX:MinHeapFreeRatio} free: 1.67 times the live bytes by default), and never below the old
 * generation's size at start. That is what JDK 17 does by itself, made explicit: the heap follows the
 * live set (10,000 connections raise it, their end lowers it again) and not the garbage. It does nothing
 * under the other collectors (a failover pair runs G1), and nothing under {@code -XX:+DisableExplicitGC},
 * where the request is a no-op.
 */
public final class OldGenGovernor {

    private static final Logger log = LoggerFactory.getLogger(OldGenGovernor.class);
    /** The serial collector's old generation, as the JVM names its memory pool. */
    static final String SERIAL_OLD_POOL = "Tenured Gen";
    static final int DEFAULT_MIN_FREE_PERCENT = 40;

    private final MemoryPoolMXBean pool;
    private final long floor;
    private final long max;
    private final int minFreePercent;

    private OldGenGovernor(MemoryPoolMXBean pool, long floor, long max, int minFreePercent) {
        this.pool = pool;
        this.floor = floor;
        this.max = max;
        this.minFreePercent = minFreePercent;
    }

    /**
     * Starts governing the serial collector's old generation, if this JVM runs it. Returns whether it
     * does.
     */
    public static boolean install() {
        Optional<MemoryPoolMXBean> old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && SERIAL_OLD_POOL.equals(p.getName()))
                .filter(MemoryPoolMXBean::isUsageThresholdSupported)
                .findFirst();
        if (old.isEmpty()) {
            return false;
        }
        MemoryPoolMXBean pool = old.get();
        long max = pool.getUsage().getMax();
        OldGenGovernor governor = new OldGenGovernor(pool, pool.getUsage().getCommitted(),
                max < 0 ? Long.MAX_VALUE : max, minHeapFreeRatio());
        NotificationEmitter emitter = (NotificationEmitter) ManagementFactory.getMemoryMXBean();
        NotificationListener listener = (notification, handback) -> governor.collect();
        emitter.addNotificationListener(listener, notification -> MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED
                .equals(notification.getType()) && notification.getUserData() instanceof CompositeData data
                && SERIAL_OLD_POOL.equals(MemoryNotificationInfo.from(data).getPoolName()), null);
        pool.setUsageThreshold(threshold(0, governor.floor, governor.max, governor.minFreePercent));
        log.debug("old generation governed from {} KiB", governor.floor / 1024);
        return true;
    }

    private void collect() {
        long before = pool.getUsage().getUsed();
        System.gc();
        long live = pool.getCollectionUsage().getUsed();
        long next = threshold(live, floor, max, minFreePercent);
        pool.setUsageThreshold(next);
        log.debug("old generation past its threshold: {} KiB in use, {} KiB live after a full collection, "
                + "next threshold {} KiB", before / 1024, live / 1024, next / 1024);
    }

    /**
     * The use of the old generation, in bytes, past which a full collection is asked for: the size at
     * which the bytes {@code live} after the last one leave {@code minFreePercent} of it free (the rule
     * by which the collector itself sizes the generation after a full collection,
     * {@code -XX:MinHeapFreeRatio}), never below {@code floor} and never above the generation's
     * {@code max} (the JVM refuses a threshold beyond it).
     */
    static long threshold(long live, long floor, long max, int minFreePercent) {
        if (live < 0 || floor < 0 || max < 0) {
            throw new IllegalArgumentException("negative size: live " + live + ", floor " + floor + ", max " + max);
        }
        if (minFreePercent < 0 || minFreePercent > 99) {
            throw new IllegalArgumentException("free share out of 0-99 %: " + minFreePercent);
        }
        double sized = live * 100.0 / (100 - minFreePercent);
        long wanted = sized >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(sized);
        return Math.min(max, Math.max(floor, wanted));
    }

    /** {@code -XX:MinHeapFreeRatio} of this JVM; 40, its default, where the JVM does not say. */
    static int minHeapFreeRatio() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean hotspot =
                    ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            int ratio = Integer.parseInt(hotspot.getVMOption("MinHeapFreeRatio").getValue());
            return Math.min(99, Math.max(0, ratio));
        } catch (RuntimeException e) {
            return DEFAULT_MIN_FREE_PERCENT;
        }
    }
}
