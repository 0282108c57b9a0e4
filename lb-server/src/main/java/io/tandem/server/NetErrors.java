package io.tandem.server;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/** Network failures in the few words a log line or /status shows ("connection refused"). */
public final class NetErrors {

    /** A Java class name that prefixes a wrapped exception's message ("sun.security...Exception: "). */
    private static final Pattern CLASS_PREFIX = Pattern.compile("(?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*: ");

    private NetErrors() {}

    public static String describe(Throwable cause) {
        if (cause == null) {
            return "connection closed";
        }
        String tls = describeTls(cause);
        if (tls != null) {
            return tls;
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

    /** Whether {@code cause} is a timeout (of the connect, or of a TLS handshake) rather than a refusal or an error. */
    public static boolean isTimeout(Throwable cause) {
        return cause instanceof ConnectTimeoutException || cause instanceof SslHandshakeTimeoutException;
    }

    /**
     * A TLS failure anywhere in {@code cause}'s chain as "TLS handshake failed:
     * ..." ("TLS error: ..." after the handshake), or null when there is none.
     * A refused peer certificate reads "certificate verify failed: ...", so a
     * wrong CA or name says so. The reason is the chain's messages without the
     * Java class names the JDK puts in them, each said once.
     */
    private static String describeTls(Throwable cause) {
        Throwable ssl = cause;
        while (ssl != null && !(ssl instanceof SSLException)) {
            ssl = ssl.getCause();
        }
        if (ssl == null) {
            return null;
        }
        if (ssl instanceof SslHandshakeTimeoutException) {
            return "TLS " + ssl.getMessage();
        }
        for (Throwable t = ssl; t != null; t = t.getCause()) {
            if (t instanceof NotSslRecordException) {
                // Its message goes on with a hex dump of the bytes that came instead.
                return (ssl instanceof SSLHandshakeException ? "TLS handshake failed: " : "TLS error: ")
                        + "not an SSL/TLS record (the peer does not speak TLS on this port)";
            }
        }
        Throwable from = ssl;
        for (Throwable t = ssl; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                from = t;
                break;
            }
        }
        List<String> parts = new ArrayList<>();
        String last = "";
        for (Throwable t = from; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : CLASS_PREFIX.matcher(t.getMessage()).replaceAll("");
            if (!message.isEmpty() && !last.contains(message)) {
                parts.add(message);
                last = message;
            }
        }
        String reason = parts.isEmpty() ? ssl.getClass().getSimpleName() : String.join(": ", parts);
        return (ssl instanceof SSLHandshakeException ? "TLS handshake failed: " : "TLS error: ")
                + (from instanceof CertificateException ? "certificate verify failed: " : "") + reason;
    }
}
