package io.tandem.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A backend web server as its own process, so a test can SIGKILL or SIGSTOP
 * it ({@link BackendProcess} starts it). Needs only the JDK.
 * <ul>
 *   <li>{@code /health}: by mode {@code ok} 200, {@code fail} 500, {@code flap} 200 and 500 in turn</li>
 *   <li>{@code /control/health/MODE} switches the mode; {@code /control/stats} counts requests</li>
 *   <li>{@code /control/answer/STATUS} sets the status of the answer to everything else</li>
 *   <li>anything else: 200 (or that status) {@code hello from NAME}, with {@code X-Backend: NAME}</li>
 * </ul>
 * Usage: {@code StubServerMain NAME PORT [HEALTH_MODE]}; prints {@code ready} when listening.
 */
public final class StubServerMain {

    private final String name;
    private final AtomicReference<String> mode;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger checks = new AtomicInteger();
    private final AtomicInteger answer = new AtomicInteger(200);

    private StubServerMain(String name, String mode) {
        this.name = name;
        this.mode = new AtomicReference<>(mode);
    }

    public static void main(String[] args) throws IOException {
        StubBackend.nodelay();
        StubServerMain stub = new StubServerMain(args[0], args.length > 2 ? args[2] : "ok");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(args[1])), 128);
        server.createContext("/", stub::handle);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        System.out.println("ready");
        System.out.flush();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            ex.getResponseHeaders().set("X-Backend", name);
            if (path.equals("/health")) {
                int n = checks.getAndIncrement();
                String m = mode.get();
                boolean ok = m.equals("ok") || (m.equals("flap") && n % 2 == 0);
                reply(ex, ok ? 200 : 500, ok ? "ok" : "failing");
            } else if (path.startsWith("/control/health/")) {
                mode.set(path.substring("/control/health/".length()));
                checks.set(0);
                reply(ex, 200, mode.get());
            } else if (path.startsWith("/control/answer/")) {
                answer.set(Integer.parseInt(path.substring("/control/answer/".length())));
                reply(ex, 200, Integer.toString(answer.get()));
            } else if (path.equals("/control/stats")) {
                reply(ex, 200, "requests=" + requests.get() + " checks=" + checks.get());
            } else {
                requests.incrementAndGet();
                reply(ex, answer.get(), "hello from " + name);
            }
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
