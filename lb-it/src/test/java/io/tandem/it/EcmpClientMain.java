package io.tandem.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client of {@link AnnounceEcmpIT}, run in the client namespace behind the router: sequential
 * {@code GET /} requests to the VIP, each on a new connection (so the router's ECMP hashes each one
 * anew), counted by the backend that answered ({@code X-Backend}: each node has its own backend, so the
 * node that served). Bounded by a count and a time, and ends early when the stop file appears. Prints
 * {@code ok NAME COUNT} per backend, {@code failed N}, then up to 50 {@code failure MILLIS REASON} lines.
 *
 * <p>Arguments: HOST PORT MAX_REQUESTS MAX_MILLIS STOP_FILE PAUSE_MILLIS
 */
public final class EcmpClientMain {

    private static final Pattern BACKEND = Pattern.compile("(?im)^X-Backend: *(\\S+)");
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");

    private EcmpClientMain() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int max = Integer.parseInt(args[2]);
        long deadline = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000L;
        Path stop = Path.of(args[4]);
        long pause = Long.parseLong(args[5]);
        long start = System.nanoTime();
        Map<String, Integer> ok = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int failed = 0;
        System.out.println("started");
        System.out.flush();
        for (int i = 0; i < max && System.nanoTime() < deadline && !Files.exists(stop); i++) {
            String outcome = request(host, port);
            if (outcome.startsWith("ok ")) {
                ok.merge(outcome.substring(3), 1, Integer::sum);
            } else {
                failed++;
                if (failures.size() < 50) {
                    failures.add("failure " + (System.nanoTime() - start) / 1_000_000 + " " + outcome);
                }
            }
            if (pause > 0) {
                Thread.sleep(pause);
            }
        }
        ok.forEach((name, n) -> System.out.println("ok " + name + " " + n));
        System.out.println("failed " + failed);
        failures.forEach(System.out::println);
        System.out.println("done");
    }

    /** One request on a new connection: "ok BACKEND", or what went wrong. */
    static String request(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            Matcher status = STATUS.matcher(response);
            Matcher backend = BACKEND.matcher(response);
            if (!status.find()) {
                return "no-response (" + response.length() + " bytes)";
            }
            if (!status.group(1).equals("200") || !backend.find()) {
                return "status-" + status.group(1);
            }
            return "ok " + backend.group(1);
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
