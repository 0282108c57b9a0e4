package io.tandem.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** More body bytes of a {@link RawResponse}; {@link #last} when they end it. */
final class RawBody extends DefaultByteBufHolder {

    final boolean last;

    RawBody(ByteBuf content, boolean last) {
        super(content);
        this.last = last;
    }
}
