package io.tandem.server;

import io.netty.channel.Channel;
import io.tandem.config.HostPort;
import io.tandem.server.proxy.ListenerRuntime;

/** A bound listener: its runtime (whose routing and TLS a reload swaps), its server channel and its address. */
record BoundListener(ListenerRuntime runtime, Channel channel, HostPort bind) {}
