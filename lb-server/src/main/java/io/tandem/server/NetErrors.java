package io.tandem.server;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

/** Network failures in the few words a log line or /status shows ("connection refused"). */
public final class NetErrors {

    private NetErrors() {}

    public static String describe(Throwable cause) {
        if (cause == null) {
            return "connection closed";
        }
        String message = String.valueOf(cause.getMessage());
        if (cause instanceof ConnectTimeoutException) {
            return "connect timed out";
        }
        if (message.contains("Connection refused")) {
            return "connection refused";
        }
        if (message.contains("Connection reset")) {
            return "connection reset";
        }
        if (cause instanceof NoRouteToHostException || message.contains("No route to host")) {
            return "no route to host";
        }
        if (cause instanceof UnknownHostException || cause.getCause() instanceof UnknownHostException) {
            return "unknown host";
        }
        if (cause instanceof ClosedChannelException) {
            return "connection closed";
        }
        if (cause instanceof ConnectException) {
            return message.replace("connect(..) failed: ", "");
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** Whether {@code cause} is a timeout rather than a refusal or an error. */
    public static boolean isTimeout(Throwable cause) {
        return cause instanceof ConnectTimeoutException;
    }
}
