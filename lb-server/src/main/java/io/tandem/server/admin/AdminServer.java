package io.tandem.server.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.tandem.config.HostPort;
import java.net.InetSocketAddress;

/**
 * The admin HTTP endpoint (status page, metrics, status, health, backend
 * control) on its own listener, served by the accept event loop. Loopback by
 * default (admin.bind); mutating calls need the admin.token-file token when
 * one is configured.
 */
public final class AdminServer {

    private final AdminNode server;
    private final AdminRouter router;
    private volatile AdminToken token;
    private Channel channel;

    /** Builds the API; mutating calls need {@code token} ({@link AdminToken#load}). */
    public AdminServer(AdminNode server, AdminToken token) {
        this.server = server;
        this.router = new AdminApi(server).router();
        this.token = token;
    }

    /** Switches to another token (a reload changed admin.token-file); the calls that follow need it. */
    public void useToken(AdminToken token) {
        this.token = token;
    }

    public void bind(EventLoopGroup group, HostPort address) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(server.transport().serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new AdminHandler(router, () -> token));
                    }
                });
        channel = b.bind(address.resolve()).sync().channel();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly();
        }
    }
}
