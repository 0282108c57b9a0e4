package io.tandem.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The buffer allocator of the data path: client and backend connections.
 *
 * <p>Netty 4.2's default, the adaptive allocator, spreads the small buffers of
 * a proxied request (a read of a request head, an encoded head) over its
 * magazines; the pooled allocator hands each event loop back the buffers it
 * just freed from a thread-local cache, so the kernel copies into memory that
 * is still in the CPU cache. On the proxy benchmark (5-byte responses, 64
 * connections, one core) that was about 4 % more requests per second with a
 * lower p99 (docs/benchmarks.md). Memory stays bounded the same way: by
 * backpressure, not by the allocator.
 */
public final class Buffers {

    public static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    private Buffers() {
    }
}
