package io.tandem.server.proxy;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.tandem.config.ProxyProtocolVersion;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol headers Tandem sends to backends, as Netty's
 * {@code HAProxyMessage}s for its {@code HAProxyMessageEncoder}. Pure.
 */
public final class ProxyHeaders {

    private ProxyHeaders() {}

    /** Netty's version for a pool's {@code proxy-protocol}; null for null (no header). */
    public static HAProxyProtocolVersion version(ProxyProtocolVersion configured) {
        if (configured == null) {
            return null;
        }
        return configured == ProxyProtocolVersion.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
    }

    /**
     * The header of a proxied TCP connection from {@code source} to {@code destination}.
     * An IPv4 address beside an IPv6 one is sent IPv4-mapped (both TCP6), as
     * HAProxy does, since one header has one family; without both addresses
     * the header says UNKNOWN and the backend uses the connection's own.
     */
    public static HAProxyMessage proxied(HAProxyProtocolVersion version, InetSocketAddress source,
                                         InetSocketAddress destination) {
        if (source == null || destination == null || source.getAddress() == null
                || destination.getAddress() == null) {
            return new HAProxyMessage(version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null,
                    0, 0);
        }
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        return new HAProxyMessage(version, HAProxyCommand.PROXY,
                v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                text(src, v4), text(dst, v4), source.getPort(), destination.getPort());
    }

    /**
     * The header of a health check: v2 {@code LOCAL} (the connection is the
     * balancer's own, use its addresses), or v1 {@code PROXY UNKNOWN}, which
     * v1 has for the same, as HAProxy's {@code check-send-proxy} sends.
     */
    public static HAProxyMessage check(HAProxyProtocolVersion version) {
        return new HAProxyMessage(version,
                version == HAProxyProtocolVersion.V2 ? HAProxyCommand.LOCAL : HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }

    /** The address as the header writes it: dotted IPv4, or compressed IPv6 (RFC 5952), IPv4 mapped if needed. */
    private static String text(InetAddress address, boolean v4) {
        if (v4 || !(address instanceof Inet4Address)) {
            return NetUtil.toAddressString(address);
        }
        return "::ffff:" + address.getHostAddress();
    }
}
